import { type Kysely, sql } from 'kysely';

// Frozen: a later change is a new migration, never an edit here.
// One statement per sql`` call: PGlite prepares each call as a single statement.
//
// Love supermarkets (爱心超市, DESIGN §2–§4, src/markets): markets, their terminals, the
// catalogue with its prices and stock movements, redemptions with their receipts, refunds and
// baskets on hold. Points move only through the ledger (a `redemption`, `capture` or `refund`
// entry between member:<id>:points and market:<id>:points); these tables hold what was sold.
//
// Lock order of every write here, so that two writers never wait on each other in a circle:
// basket row → redemption lines → catalogue item rows (by item id) → the ledger's accounts (its own
// sorted order) → the market row (its receipt counter, taken last and held only to the commit).
// Items before the ledger: the entry a sale posts is recorded after its items are locked, so an
// item's stock movements (stamped with their entry's recorded time) are in time order too.
//
// Receipt numbers: markets.receipt_no is the last number given. A write that makes a receipt
// adds one to it in its own transaction (the row stays locked until it commits), so a number is
// used only by a committed receipt, and a rollback gives its number back: no gaps among
// committed receipts. Taking it last keeps the row locked for one statement and the commit.

export async function up(db: Kysely<any>): Promise<void> {
  const appendOnly = (table: string) => [
    sql`CREATE TRIGGER ${sql.id(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.id(table)}
      FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
    sql`CREATE TRIGGER ${sql.id(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.id(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
  ];
  const statements = [
    sql`CREATE TABLE markets (
      tenant_id text NOT NULL REFERENCES tenants (tenant_id),
      market_id text NOT NULL CHECK (market_id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
      org_unit_id text NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      active boolean NOT NULL DEFAULT true,
      receipt_no bigint NOT NULL DEFAULT 0 CHECK (receipt_no >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      deactivated_at timestamptz,
      PRIMARY KEY (tenant_id, market_id),
      FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, org_unit_id)
    )`,
    sql`CREATE TABLE terminals (
      tenant_id text NOT NULL,
      terminal_id text NOT NULL CHECK (terminal_id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
      market_id text NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      deactivated_at timestamptz,
      PRIMARY KEY (tenant_id, terminal_id),
      FOREIGN KEY (tenant_id, market_id) REFERENCES markets (tenant_id, market_id)
    )`,
    // How many days back an offline terminal may upload a sale (its occurredAt), per tenant.
    sql`ALTER TABLE tenants ADD COLUMN offline_sale_days integer NOT NULL DEFAULT 7 CHECK (offline_sale_days BETWEEN 1 AND 90)`,
    // A pos key acts for one market, and for one terminal of it when it is a terminal's key.
    sql`ALTER TABLE api_keys ADD COLUMN market_id text`,
    sql`ALTER TABLE api_keys ADD COLUMN terminal_id text`,
    sql`ALTER TABLE api_keys ADD FOREIGN KEY (tenant_id, market_id) REFERENCES markets (tenant_id, market_id)`,
    sql`ALTER TABLE api_keys ADD FOREIGN KEY (tenant_id, terminal_id) REFERENCES terminals (tenant_id, terminal_id)`,
    sql`ALTER TABLE api_keys ADD CHECK (terminal_id IS NULL OR market_id IS NOT NULL)`,

    // The catalogue. stock and reserved (held by open baskets) are running figures, changed only
    // with a stock movement or a basket in the same transaction; stock − reserved never below 0.
    sql`CREATE TABLE catalog_items (
      tenant_id text NOT NULL,
      item_id uuid NOT NULL,
      market_id text NOT NULL,
      sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      kind text NOT NULL CHECK (kind IN ('goods', 'service')),
      price numeric(20, 2) NOT NULL CHECK (price > 0),
      active boolean NOT NULL DEFAULT true,
      stock integer CHECK (stock >= 0),
      reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      capacity integer CHECK (capacity > 0),
      capacity_period text CHECK (capacity_period IN ('day', 'week', 'month')),
      limit_quantity integer CHECK (limit_quantity > 0),
      limit_period text CHECK (limit_period IN ('day', 'month', 'quarter', 'year')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, item_id),
      UNIQUE (tenant_id, market_id, sku),
      FOREIGN KEY (tenant_id, market_id) REFERENCES markets (tenant_id, market_id),
      CHECK ((kind = 'goods') = (stock IS NOT NULL)),
      CHECK (kind = 'service' OR (capacity IS NULL AND capacity_period IS NULL)),
      CHECK ((capacity IS NULL) = (capacity_period IS NULL)),
      CHECK ((limit_quantity IS NULL) = (limit_period IS NULL)),
      CHECK (stock IS NULL OR reserved <= stock)
    )`,
    // Every price an item has had, from when: a receipt line keeps the price it was sold at.
    sql`CREATE TABLE catalog_prices (
      tenant_id text NOT NULL,
      item_id uuid NOT NULL,
      valid_from timestamptz NOT NULL DEFAULT clock_timestamp(),
      price numeric(20, 2) NOT NULL CHECK (price > 0),
      actor text NOT NULL,
      PRIMARY KEY (tenant_id, item_id, valid_from),
      FOREIGN KEY (tenant_id, item_id) REFERENCES catalog_items (tenant_id, item_id)
    )`,
    ...appendOnly('catalog_prices'),

    sql`CREATE SEQUENCE stock_movement_no`,
    sql`CREATE TABLE stock_movements (
      tenant_id text NOT NULL,
      movement_no bigint NOT NULL DEFAULT nextval('stock_movement_no'),
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      market_id text NOT NULL,
      item_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('sale', 'refund', 'restock', 'correction')),
      -- Signed: a sale takes stock (negative), a refund or restock gives it.
      quantity integer NOT NULL CHECK (quantity <> 0),
      stock_after integer NOT NULL CHECK (stock_after >= 0),
      terminal_id text,
      redemption_id uuid,
      refund_id uuid,
      actor text NOT NULL,
      reason text,
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tenant_id, movement_no),
      FOREIGN KEY (tenant_id, item_id) REFERENCES catalog_items (tenant_id, item_id),
      CHECK (kind NOT IN ('sale', 'refund') OR redemption_id IS NOT NULL),
      CHECK (kind IN ('sale', 'refund') OR reason IS NOT NULL)
    )`,
    sql`CREATE INDEX stock_movements_item ON stock_movements (tenant_id, item_id, at)`,
    sql`CREATE INDEX stock_movements_market_at ON stock_movements (tenant_id, market_id, at)`,
    sql`CREATE INDEX stock_movements_tx ON stock_movements (tenant_id, tx_id)`,
    ...appendOnly('stock_movements'),

    // A sale: its lines are below; its points are the ledger entry entry_id.
    sql`CREATE TABLE redemptions (
      tenant_id text NOT NULL,
      redemption_id uuid NOT NULL,
      market_id text NOT NULL,
      terminal_id text,
      member_id uuid NOT NULL,
      card_no text,
      receipt_no bigint NOT NULL,
      entry_id uuid NOT NULL,
      total numeric(20, 2) NOT NULL CHECK (total > 0),
      -- Business time: the terminal's clock for an offline sale, else the server's.
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      basket_id uuid,
      -- The member's points after this, as the receipt printed them (balance, and what was available).
      balance_after numeric(20, 2) NOT NULL,
      available_after numeric(20, 2) NOT NULL,
      actor text NOT NULL,
      PRIMARY KEY (tenant_id, redemption_id),
      UNIQUE (tenant_id, market_id, receipt_no),
      FOREIGN KEY (tenant_id, market_id) REFERENCES markets (tenant_id, market_id),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id)
    )`,
    sql`CREATE INDEX redemptions_member ON redemptions (tenant_id, member_id, occurred_at)`,
    sql`CREATE INDEX redemptions_market_at ON redemptions (tenant_id, market_id, recorded_at)`,
    ...appendOnly('redemptions'),
    // refunded: how much of the line has been refunded; a guarded UPDATE keeps it at most quantity
    // however many terminals refund the line at once (its refund_lines add up to it).
    sql`CREATE TABLE redemption_lines (
      tenant_id text NOT NULL,
      redemption_id uuid NOT NULL,
      line_no smallint NOT NULL CHECK (line_no > 0),
      item_id uuid NOT NULL,
      sku text NOT NULL,
      name text NOT NULL,
      kind text NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      price numeric(20, 2) NOT NULL CHECK (price > 0),
      amount numeric(20, 2) NOT NULL CHECK (amount > 0),
      refunded integer NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, redemption_id, line_no),
      FOREIGN KEY (tenant_id, redemption_id) REFERENCES redemptions (tenant_id, redemption_id),
      FOREIGN KEY (tenant_id, item_id) REFERENCES catalog_items (tenant_id, item_id),
      CHECK (refunded BETWEEN 0 AND quantity)
    )`,
    sql`CREATE INDEX redemption_lines_item ON redemption_lines (tenant_id, item_id)`,

    sql`CREATE TABLE refunds (
      tenant_id text NOT NULL,
      refund_id uuid NOT NULL,
      redemption_id uuid NOT NULL,
      market_id text NOT NULL,
      terminal_id text,
      receipt_no bigint NOT NULL,
      entry_id uuid NOT NULL,
      total numeric(20, 2) NOT NULL CHECK (total > 0),
      reason text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      -- The member's points after this, as the receipt printed them (balance, and what was available).
      balance_after numeric(20, 2) NOT NULL,
      available_after numeric(20, 2) NOT NULL,
      actor text NOT NULL,
      PRIMARY KEY (tenant_id, refund_id),
      UNIQUE (tenant_id, market_id, receipt_no),
      FOREIGN KEY (tenant_id, redemption_id) REFERENCES redemptions (tenant_id, redemption_id)
    )`,
    sql`CREATE INDEX refunds_redemption ON refunds (tenant_id, redemption_id)`,
    sql`CREATE INDEX refunds_market_at ON refunds (tenant_id, market_id, recorded_at)`,
    ...appendOnly('refunds'),
    sql`CREATE TABLE refund_lines (
      tenant_id text NOT NULL,
      refund_id uuid NOT NULL,
      line_no smallint NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      amount numeric(20, 2) NOT NULL CHECK (amount > 0),
      PRIMARY KEY (tenant_id, refund_id, line_no),
      FOREIGN KEY (tenant_id, refund_id) REFERENCES refunds (tenant_id, refund_id)
    )`,
    ...appendOnly('refund_lines'),

    // A basket on hold: its points are the ledger hold hold_id; its stock is in the items'
    // reserved; its lines count against limits and capacity while it is open and unexpired.
    sql`CREATE TABLE baskets (
      tenant_id text NOT NULL,
      basket_id uuid NOT NULL,
      market_id text NOT NULL,
      terminal_id text,
      member_id uuid NOT NULL,
      card_no text,
      hold_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'captured', 'voided', 'expired')),
      total numeric(20, 2) NOT NULL CHECK (total > 0),
      expires_at timestamptz NOT NULL,
      occurred_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      resolved_at timestamptz,
      redemption_id uuid,
      -- The member's points after this, as the receipt printed them (balance, and what was available).
      balance_after numeric(20, 2) NOT NULL,
      available_after numeric(20, 2) NOT NULL,
      actor text NOT NULL,
      PRIMARY KEY (tenant_id, basket_id),
      FOREIGN KEY (tenant_id, market_id) REFERENCES markets (tenant_id, market_id),
      FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id)
    )`,
    sql`CREATE INDEX baskets_open ON baskets (tenant_id, expires_at) WHERE status = 'open'`,
    sql`CREATE INDEX baskets_member_open ON baskets (tenant_id, member_id) WHERE status = 'open'`,
    sql`CREATE TABLE basket_lines (
      tenant_id text NOT NULL,
      basket_id uuid NOT NULL,
      line_no smallint NOT NULL CHECK (line_no > 0),
      item_id uuid NOT NULL,
      sku text NOT NULL,
      name text NOT NULL,
      kind text NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      price numeric(20, 2) NOT NULL CHECK (price > 0),
      amount numeric(20, 2) NOT NULL CHECK (amount > 0),
      PRIMARY KEY (tenant_id, basket_id, line_no),
      FOREIGN KEY (tenant_id, basket_id) REFERENCES baskets (tenant_id, basket_id),
      FOREIGN KEY (tenant_id, item_id) REFERENCES catalog_items (tenant_id, item_id)
    )`,
    ...appendOnly('basket_lines'),
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['basket_lines', 'baskets', 'refund_lines', 'refunds', 'redemption_lines', 'redemptions', 'stock_movements', 'catalog_prices', 'catalog_items']) {
    await sql`DROP TABLE ${sql.id(table)}`.execute(db);
  }
  await sql`DROP SEQUENCE stock_movement_no`.execute(db);
  await sql`ALTER TABLE tenants DROP COLUMN offline_sale_days`.execute(db);
  await sql`ALTER TABLE api_keys DROP COLUMN terminal_id`.execute(db);
  await sql`ALTER TABLE api_keys DROP COLUMN market_id`.execute(db);
  for (const table of ['terminals', 'markets']) await sql`DROP TABLE ${sql.id(table)}`.execute(db);
}
