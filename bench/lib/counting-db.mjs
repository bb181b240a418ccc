/**
 * A Db (dist/src/store/db.js) that counts what it sends to the database, for the bench's full-server rows:
 * every statement is one round trip on PostgreSQL, and a transaction adds two (BEGIN, COMMIT). Counted by
 * what the statement touches, so the report splits a push's writes from background work (enrichment,
 * purges). A few integer increments and one regex a statement: cheap next to the statement itself.
 */
const KINDS = [
  ['dedup', /reply_records/],
  ['event', /follower_events/],
  ['message', /INTO messages/],
  [
    'enrichment',
    /UPDATE followers|FROM followers\s+WHERE needs_enrichment|unionid IS NOT NULL AND openid IN/,
  ],
];

export function countingDb(db) {
  const counts = { statements: 0, transactions: 0, roundTrips: 0, byKind: {} };
  const note = (sql) => {
    counts.statements++;
    counts.roundTrips++;
    const kind = KINDS.find(([, re]) => re.test(sql))?.[0] ?? 'other';
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
  };
  const wrap = (q) => ({
    dialect: q.dialect,
    sql: q.sql,
    all: (sql, params) => (note(sql), q.all(sql, params)),
    get: (sql, params) => (note(sql), q.get(sql, params)),
    run: (sql, params) => (note(sql), q.run(sql, params)),
    ...(q.lock ? { lock: (key) => (note('lock'), q.lock(key)) } : {}),
  });
  const counted = {
    ...wrap(db),
    transaction: (body) => {
      counts.transactions++;
      counts.roundTrips += 2;
      return db.transaction((tx) => body(wrap(tx)));
    },
    exclusive: (body) => db.exclusive(body),
    close: () => db.close(),
  };
  return { db: counted, counts };
}
