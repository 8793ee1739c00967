DROP TABLE account_unlocks;
DROP TABLE email_tokens;
