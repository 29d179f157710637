-- Bank statements (camt.053) and debit notifications (camt.054) confirm
-- payments with the amount the bank booked: a staged row keeps it (minor
-- units of its currency) to be checked against the payment; rows of a
-- pain.002 or CSV file have none. An import counts the entries it ignored
-- (other movements of the account, entries not booked).
ALTER TABLE payment_status_rows ADD COLUMN amount BIGINT;
ALTER TABLE payment_status_rows ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_status_imports ADD COLUMN ignored BIGINT NOT NULL DEFAULT 0;
