# Email templates (English), in Project Fluent. One message per kind of email, with a
# .subject (folded onto one line) and a .body. A value reads { $firm_name }; a choice by
# value reads
# { $approved ->
#      [true] approved
#     *[false] not approved
# }; a line for a value that may be empty reads { PRESENT($reason) -> [yes] … *[no] {""} }.
# Spaces at the start of a line are written {"  "}. Naming a value the email does not
# carry is an error, never a blank. The values of each kind are listed in docs/EMAIL.md.
# Changes take effect on restart; a syntax error stops the start, naming the message and line.

firm_onboarding_decided =
    .subject = [Innovation vouchers] Onboarding application { $approved ->
             [true] approved
            *[false] not approved
        }: { $firm_name }
    .body =
        Dear { $firm_name },

        Your onboarding application (credit code { $credit_code }) was { $approved ->
             [true] approved on { $decided_at }. You may now claim innovation vouchers while a batch is open.
            *[false] not approved on { $decided_at }.

                Reason: { $reason }

                Please correct the application and submit it again.
        }

        This message was sent automatically by the innovation voucher service; please do not reply.

application_returned =
    .subject = [Innovation vouchers] { $applicant ->
             [provider] Listing application
            *[firm] Onboarding application
        } returned for correction: { $party_name }
    .body =
        Dear { $party_name },

        Your { $applicant ->
             [provider] listing application
            *[firm] onboarding application
        } (credit code { $credit_code }) was returned for correction on { $returned_at }. Please correct the details or upload the documents as follows:

        { $corrections }

        When done, sign in to the innovation voucher service and press "Resubmit" on the { $applicant ->
             [provider] listing application
            *[firm] firm details
        } page. The application then goes back to review.

        This email was sent automatically by the innovation voucher service; please do not reply.

provider_listing_notice =
    .subject = [Innovation vouchers] Listing application in public notice: { $provider_name }
    .body =
        Dear { $provider_name },

        Your listing application (credit code { $credit_code }) passed the first review and is now in public notice.

        Notice period: { $notice_starts } to { $notice_ends }

        Anyone may object during the notice period. If there is no objection, you are listed when it ends.

        This message was sent automatically by the innovation voucher service; please do not reply.

provider_listing_decided =
    .subject = [Innovation vouchers] Listing status of { $provider_name }: { $status ->
             [listed] listed
             [rejected] not approved
             [suspended] suspended
             [delisted] delisted
            *[other] { $status }
        }
    .body =
        Dear { $provider_name },

        The listing status of your organisation (credit code { $credit_code }) changed on { $decided_at } to: { $status ->
             [listed] listed. You may now publish services and accept orders paid with innovation vouchers.
             [rejected] not approved.
             [suspended] suspended. No new voucher orders can be accepted while suspended.
             [delisted] removed from the provider list.
            *[other] { $status }.
        }{ PRESENT($reason) ->
             [yes]
                {""}

                Reason: { $reason }
            *[no] {""}
        }

        This message was sent automatically by the innovation voucher service; please do not reply.

claim_succeeded =
    .subject = [Innovation vouchers] { $via_lottery ->
             [true] Drawn in the lottery:
            *[false] Claimed:
        } { $voucher_code }, CNY { $amount }
    .body =
        Dear { $firm_name },

        You { $via_lottery ->
             [true] were drawn in the lottery of { $batch_name }
            *[false] claimed a voucher of { $batch_name }
        } and received:

          Voucher: { $voucher_code }
          Amount: CNY { $amount }
          Valid until: { $valid_until }

        Spend it with listed providers before it expires; an unused balance lapses.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_requested =
    .subject = [Innovation vouchers] New order { $order_no }: { $service_title }, CNY { $contract_amount }
    .body =
        Dear { $provider_name },

        { $firm_name } ordered from you with voucher { $voucher_code }:

          Order: { $order_no }
          Service: { $service_title }
          Contract amount: CNY { $contract_amount }
          Paid by the voucher: CNY { $covered_amount }
          Paid by the firm: CNY { $own_amount }

        Please sign in to accept or decline it.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_accepted =
    .subject = [Innovation vouchers] Order { $order_no } accepted; CNY { $covered_amount } held on your voucher
    .body =
        Dear { $firm_name },

        { $provider_name } accepted order { $order_no } ({ $service_title }). CNY { $covered_amount } of voucher { $voucher_code } is held until you confirm the service; your own share is CNY { $own_amount }.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_delivered =
    .subject = [Innovation vouchers] Order { $order_no } delivered, please confirm: { $service_title }
    .body =
        Dear { $firm_name },

        { $provider_name } marked order { $order_no } ({ $service_title }, CNY { $contract_amount }) delivered and uploaded the contract, invoice and service report.

        Please sign in to check them and confirm or dispute. On confirmation CNY { $covered_amount } is taken from voucher { $voucher_code }.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_confirmed =
    .subject = [Innovation vouchers] Order { $order_no } confirmed; CNY { $covered_amount } taken from the voucher
    .body =
        Dear { $provider_name },

        { $firm_name } confirmed order { $order_no } ({ $service_title }). CNY { $covered_amount } was taken from voucher { $voucher_code } and is due to you: include the order in a redemption application; it is paid after review and public notice.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_disputed =
    .subject = [Innovation vouchers] Order { $order_no } disputed: { $service_title }
    .body =
        Dear { $provider_name },

        { $firm_name } disputed the delivery of order { $order_no } ({ $service_title }, CNY { $contract_amount }):

        {"  "}{ $reason }

        A reviewer will resolve it with both parties. The CNY { $covered_amount } held stays held until then.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_declined =
    .subject = [Innovation vouchers] Order { $order_no } declined: { $service_title }
    .body =
        Dear { $firm_name },

        { $provider_name } declined order { $order_no } ({ $service_title }, CNY { $contract_amount }).

        Reason: { $reason }

        Nothing was held on voucher { $voucher_code }; you may order from another listed provider.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_cancelled =
    .subject = [Innovation vouchers] Order { $order_no } cancelled: { $service_title }
    .body =
        Dear { $firm_name } and { $provider_name },

        Order { $order_no } ({ $service_title }, CNY { $contract_amount }) was cancelled by { $cancelled_by ->
             [system] the service
            *[other] the { $cancelled_by }
        }.

        Reason: { $reason }

        If CNY { $covered_amount } of voucher { $voucher_code } was held for this order, the hold has been released{ $cancelled_by ->
             [system] {" "}(to the programme, since the voucher has expired)
            *[other] {""}
        }.

        This message was sent automatically by the innovation voucher service; please do not reply.

order_dispute_resolved =
    .subject = [Innovation vouchers] Dispute on order { $order_no } resolved: { $outcome ->
             [cancelled] order cancelled
            *[other] delivery stands
        }
    .body =
        Dear { $firm_name } and { $provider_name },

        A reviewer resolved the dispute on order { $order_no } ({ $service_title }).

        { $outcome ->
             [cancelled] Outcome: the delivery did not meet the contract; the order is cancelled and the CNY { $covered_amount } held on voucher { $voucher_code } is released.
            *[other] Outcome: the delivery stands; the firm is asked to confirm the service.
        }

        Reviewer's note: { $note }

        This message was sent automatically by the innovation voucher service; please do not reply.

redemption_decided =
    .subject = [Innovation vouchers] Redemption { $approved ->
             [true] approved
            *[false] rejected
        }: order { $order_no }, CNY { $amount }
    .body =
        Dear { $provider_name },

        The redemption of CNY { $amount } for order { $order_no } (voucher { $voucher_code }) was { $approved ->
             [true] approved; after its public notice ends without an upheld objection it is paid in a settlement run.
            *[false] rejected.

                Reason: { $reason }
        }

        This message was sent automatically by the innovation voucher service; please do not reply.

payout_paid =
    .subject = [Innovation vouchers] Payout for { $period } paid: CNY { $amount } ({ $payout_ref })
    .body =
        Dear { $payee_name },

        Your payout for { $period } was paid on { $paid_on }:

          Payout: { $payout_ref }
          Amount: CNY { $amount }
          Bank reference: { $bank_reference }

        This message was sent automatically by the innovation voucher service; please do not reply.

payout_failed =
    .subject = [Innovation vouchers] Payout for { $period } failed: CNY { $amount } ({ $payout_ref })
    .body =
        Dear { $payee_name },

        Your payout of CNY { $amount } for { $period } (payout { $payout_ref }) failed.

        Reason: { $reason }

        Please check your bank account details. The amount is included in the next settlement run.

        This message was sent automatically by the innovation voucher service; please do not reply.

voucher_expiring =
    .subject = [Innovation vouchers] Voucher { $voucher_code } expires on { $valid_until }; balance CNY { $balance }
    .body =
        Dear { $firm_name },

        Your voucher { $voucher_code } expires in { $days_left } days:

          Balance: CNY { $balance }
          Valid until: { $valid_until }

        Spend the balance with a listed provider before then; it lapses at expiry.

        This message was sent automatically by the innovation voucher service; please do not reply.

settlement_awaiting_approval =
    .subject = [Innovation vouchers] Settlement run { $run_ref } awaits approval: { $payouts } payouts, CNY { $total }
    .body =
        Hello,

        { $prepared_by } prepared settlement run { $run_ref } for { $period }: { $payouts } payouts, CNY { $total } in all. It needs a second finance officer's approval.

        Please sign in to approve or reject it. Whoever prepared a run cannot approve it.

        This message was sent automatically by the innovation voucher service; please do not reply.

certification_decided =
    .subject = [Innovation vouchers] { $scheme_name }: { $certified ->
             [true] certified
            *[false] not certified
        } ({ $space_name })
    .body =
        Dear { $space_name },

        Your application for { $scheme_name } { $certified ->
             [true] was certified on { $certified_on }{ PRESENT($valid_until) ->
                     [yes] , valid until { $valid_until }
                    *[no] {""}
                }. Support applies from the month after certification.
            *[false] was not certified.

                Reason: { $reason }
        }

        This message was sent automatically by the innovation voucher service; please do not reply.

certification_revoked =
    .subject = [Innovation vouchers] { $scheme_name } revoked ({ $space_name })
    .body =
        Dear { $space_name },

        Your { $scheme_name } qualification was revoked on { $revoked_on }; support stops from { $benefits_stop }.

        Reason: { $reason }

        This message was sent automatically by the innovation voucher service; please do not reply.

password_reset =
    .subject = [Innovation vouchers] Reset your password
    .body =
        Dear { $display_name },

        { $by_administrator ->
             [true] An administrator sent a password reset link for your account ({ $username }).
            *[false] Someone asked to reset the password of your account ({ $username }) on the innovation voucher service.
        } Open the link below within { $minutes } minutes (before { $expires_at }, China time) to choose a new password; it works once:

        { $link }

        Once the new password is set, every device is signed out and any sign-in lock is lifted. If you did not ask for this, ignore this message; your password stays as it is.

        This message was sent automatically by the innovation voucher service; please do not reply.

contact_verification =
    .subject = [Innovation vouchers] Verify your contact email
    .body =
        Dear { $party_name },

        An application was submitted on the innovation voucher service (username { $username }) with this address as its contact email. Open the link below within { $hours } hours (before { $expires_at }, China time) to confirm it; it works once:

        { $link }

        The application goes to review only once the address is verified. If the link has expired, sign in and send a new one from your home page. If you did not apply, ignore this message.

        This message was sent automatically by the innovation voucher service; please do not reply.

spot_check_asked =
    .subject = [Innovation vouchers] Spot check: was order { $order_no } delivered as invoiced?
    .body =
        Dear { $firm_name },

        Under the voucher programme's spot checks, this service of yours was drawn at random:

          Order: { $order_no }
          Service: { $service }
          Provider: { $provider_name }
          Paid by the voucher: CNY { $amount }

        Please sign in by { $answer_by } (China time) and say whether the service was delivered as invoiced:
        { $link }

        If it was, confirm it; if not, or not as invoiced, say what happened and the authority will look into it. Without an answer by then, the check becomes a finding for review.

        This message was sent automatically by the innovation voucher service; please do not reply.

finding_decided =
    .subject = [Innovation vouchers] Finding decided: order { $order_no }, { $outcome ->
             [no_issue] no issue
             [corrected] amount corrected
            *[fraudulent] found not delivered
        }
    .body =
        Dear { $provider_name },

        The authority has heard both sides of this finding from a spot check and decided:

          Order: { $order_no }
          Service: { $service }
          Decision: { $outcome ->
             [no_issue] no issue; paid as approved
             [corrected] the voucher pays CNY { $corrected_amount } for it
            *[fraudulent] found not delivered; not paid
        }
          Reason: { $reason }
        { PRESENT($owed_back) ->
            [yes] {""}
                The item had already been paid or was in a settlement run: the CNY { $owed_back } overpaid is owed back and offset against your next settlement payouts; you may also pay it back directly, and finance records it.
                {""}
           *[no] {""}
        }
        See the details after signing in:
        { $link }

        This message was sent automatically by the innovation voucher service; please do not reply.

appeal_decided =
    .subject = [Hechuang] Your appeal: the decision { $outcome ->
             [overturned] is overturned
             [partly] is changed in part
            *[upheld] stands
        }
    .body =
        { $party_name },

        Another reviewer has looked at the decision you appealed:

          About: { $subject_kind ->
             [redemption_item] a redemption item
             [firm_onboarding] your onboarding
             [provider_listing] your listing
             [finding] a spot-check finding
             [clawback] a clawback
            *[certification_application] a certification application
          } { $subject }
          Outcome: { $outcome ->
             [overturned] the decision is overturned and things go on as usual
             [partly] granted in part: the amount is now { $granted } yuan, and things go on as usual
            *[upheld] the decision stands
          }
          Reason: { $reason }

        Sign in to see the details.

appeal_overdue =
    .subject = [Hechuang] An appeal is past its deadline: { $party_name }
    .body =
        { $admin_name },

        This appeal is past its deadline and not yet decided. Please have a reviewer other than the one who made the decision handle it:

          From: { $party_name }
          About: { $subject_kind ->
             [redemption_item] a redemption item
             [firm_onboarding] an onboarding
             [provider_listing] a listing
             [finding] a spot-check finding
             [clawback] a clawback
            *[certification_application] a certification application
          } { $subject }
          Filed: { $filed_at }
          Due: { $due_at }

credit_warning =
    .subject = [Hechuang] Credit warning: { $provider_name } is now grade { $grade }
    .body =
        { $provider_name },

        From your record of the last year (disputes, late deliveries, spot-check findings, money clawed back and ratings), your credit grade has fallen to { $grade } ({ $points } points), which calls for a warning.

        A lower grade suspends or delists a provider by the rules. Sign in to see what cost the points.
