// Plans as Postgres runs them, read by a test on a connection of its own: auto_explain for every
// statement of the session (those inside functions too), each plan with its actual rows, sent to
// the client as a NOTICE. PostgreSQL only (auto_explain ships with it; tests connect as a superuser).

/** The statements that turn it on for the session, in order. */
export const EXPLAIN_EVERY_STATEMENT = [
  `LOAD 'auto_explain'`,
  'SET auto_explain.log_min_duration = 0',
  'SET auto_explain.log_nested_statements = on',
  'SET auto_explain.log_analyze = on',
  'SET auto_explain.log_level = notice',
  'SET client_min_messages = notice',
];

/** A connection's notice listener that keeps the plans auto_explain sends, in order, in `plans`. */
export function keepPlans(plans: string[]): (notice: { message?: string }) => void {
  return (notice) => {
    if (notice.message?.includes('Query Text:')) plans.push(notice.message);
  };
}
