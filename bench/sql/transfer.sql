-- The bare-SQL transfer baseline: the least work one award must do in Postgres, as one
-- transaction driven by pgbench (bench/sql/transfer.pgbench). Two account rows locked in id
-- order (no deadlocks), two balance updates, one entry row, two posting rows. No idempotency,
-- no service record, no HTTP: this is the ceiling for one transfer per transaction on this
-- server, with the same client count as the service benchmarks.
-- Created in a scratch database that the benchmark drops at the end.

CREATE SCHEMA xfer;

CREATE TABLE xfer.accounts (
  account_id integer PRIMARY KEY,
  balance numeric(20, 2) NOT NULL DEFAULT 0
);

CREATE SEQUENCE xfer.entry_seq;

CREATE TABLE xfer.entries (
  entry_id bigint PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE xfer.postings (
  entry_id bigint NOT NULL REFERENCES xfer.entries (entry_id),
  idx smallint NOT NULL,
  account_id integer NOT NULL REFERENCES xfer.accounts (account_id),
  amount numeric(20, 2) NOT NULL,
  PRIMARY KEY (entry_id, idx)
);

INSERT INTO xfer.accounts (account_id) SELECT g FROM generate_series(1, 10000) AS g;

CREATE FUNCTION xfer.transfer(p_from integer, p_to integer, p_amount numeric) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_entry bigint;
BEGIN
  IF p_from = p_to THEN
    p_to := p_from % 10000 + 1; -- pgbench drew the same account twice
  END IF;
  -- Both rows locked in id order, so two transfers never wait on each other in a cycle.
  PERFORM 1 FROM xfer.accounts WHERE account_id IN (p_from, p_to) ORDER BY account_id FOR UPDATE;
  UPDATE xfer.accounts SET balance = balance - p_amount WHERE account_id = p_from;
  UPDATE xfer.accounts SET balance = balance + p_amount WHERE account_id = p_to;
  v_entry := nextval('xfer.entry_seq');
  INSERT INTO xfer.entries (entry_id) VALUES (v_entry);
  INSERT INTO xfer.postings (entry_id, idx, account_id, amount)
    VALUES (v_entry, 0, p_from, -p_amount), (v_entry, 1, p_to, p_amount);
  RETURN v_entry;
END
$$;

ANALYZE xfer.accounts;
