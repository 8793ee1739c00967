DROP TRIGGER payouts_kept_update ON payouts;
DROP TRIGGER payouts_kept_delete ON payouts;
DROP FUNCTION payouts_kept();
DROP TRIGGER payout_items_keys_fixed ON payout_items;
DROP FUNCTION payout_items_keys_fixed();
DROP TRIGGER payout_items_payout_check ON payout_items;
DROP FUNCTION payout_items_payout_check();
ALTER TABLE payout_items ADD CONSTRAINT payout_items_payout_id_fkey FOREIGN KEY (payout_id) REFERENCES payouts (id);
