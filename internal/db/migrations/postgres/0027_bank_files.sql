-- What a bank provider's files may carry in names: 'latin' (the ISO 20022
-- Latin character set, Arabic romanized) or 'utf8'. Providers recorded
-- before keep what their files carried, UTF-8; new ones get 'latin'.
ALTER TABLE payment_providers ADD COLUMN charset TEXT NOT NULL DEFAULT 'utf8';
ALTER TABLE payment_providers ADD COLUMN utf8_remittance BOOLEAN NOT NULL DEFAULT FALSE;
