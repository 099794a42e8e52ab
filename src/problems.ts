// The one list of wire error codes. Domain code throws them, the HTTP layer renders them as
// application/problem+json, and the OpenAPI document lists them; nothing else invents a code.

type Params = Record<string, unknown>;
type Text = string | ((p: Params) => string);

interface ProblemSpec {
  status: number;
  title: string;
  zh: Text;
  en: Text;
}

const PERIOD_ZH: Record<string, string> = { day: '天', week: '周', month: '月', quarter: '季度', year: '年' };
const periodZh = (p: unknown) => PERIOD_ZH[String(p)] ?? String(p);

export const problems = {
  validation_failed: {
    status: 400,
    title: 'Validation failed',
    zh: '请求内容不符合要求，请检查 errors 中列出的字段。',
    en: 'The request is not valid; see the fields listed in errors.',
  },
  invalid_json: {
    status: 400,
    title: 'Malformed JSON',
    zh: '请求体不是合法的 JSON。',
    en: 'The request body is not valid JSON.',
  },
  invalid_amount: {
    status: 400,
    title: 'Invalid amount',
    zh: '金额必须是十进制数字字符串，例如 "12.50"。',
    en: 'An amount must be a decimal string such as "12.50".',
  },
  amount_not_positive: {
    status: 400,
    title: 'Amount not positive',
    zh: '金额必须大于零；方向由 debit/credit 表示。',
    en: 'An amount must be greater than zero; debit or credit gives the direction.',
  },
  too_many_decimals: {
    status: 400,
    title: 'Too many decimals',
    zh: '金额最多保留两位小数。',
    en: 'An amount has at most two decimal places.',
  },
  unbalanced_entry: {
    status: 400,
    title: 'Unbalanced entry',
    zh: (p) => `分录不平衡：${String(p.unit ?? '')} 借方合计与贷方合计不相等。`,
    en: (p) => `The entry does not balance: debits and credits of ${String(p.unit ?? 'a unit')} differ.`,
  },
  bad_request: {
    status: 400,
    title: 'Bad request',
    zh: '请求格式错误。',
    en: 'The request is malformed.',
  },
  invalid_cursor: {
    status: 400,
    title: 'Invalid cursor',
    zh: '分页游标无效。',
    en: 'The paging cursor is not valid.',
  },
  statement_period_invalid: {
    status: 400,
    title: 'Period not valid',
    zh: '对账期间无效：起始时间（from）必须早于结束时间（to）。',
    en: 'The period is not valid: from must lie before to.',
  },
  as_of_in_future: {
    status: 422,
    title: 'As-of time in the future',
    zh: '试算平衡的时点（asOf）不能晚于当前时间（以数据库时钟为准）。',
    en: "A trial balance's asOf cannot lie in the future (by the database's clock).",
  },
  invalid_idempotency_key: {
    status: 400,
    title: 'Invalid Idempotency-Key',
    zh: 'Idempotency-Key 必须是 1 至 200 个可见 ASCII 字符。',
    en: 'Idempotency-Key must be 1 to 200 visible ASCII characters.',
  },
  invalid_id_number: {
    status: 400,
    title: 'Invalid national ID number',
    zh: '身份证号码无效：须为 18 位，出生日期有效，校验位符合 GB 11643。',
    en: 'The national ID number is not valid: 18 characters, a real birth date and a GB 11643 check digit.',
  },
  invalid_phone: {
    status: 400,
    title: 'Invalid phone number',
    zh: '手机号码须为以 1 开头的 11 位数字。',
    en: 'A mobile number is 11 digits starting with 1.',
  },
  record_period_invalid: {
    status: 400,
    title: 'End not after start',
    zh: '服务结束时间必须晚于开始时间。',
    en: 'The service must end after it starts.',
  },
  report_period_invalid: {
    status: 400,
    title: 'Report period invalid',
    zh: (p) => `报表期间无效：起始日期 ${String(p.from)} 晚于截止日期 ${String(p.to)}，或期间超过 ${String(p.maxDays)} 天。`,
    en: (p) => `The report period is not valid: ${String(p.from)} is after ${String(p.to)}, or it is longer than ${String(p.maxDays)} days.`,
  },
  hours_exceed_period: {
    status: 400,
    title: 'Hours exceed the period',
    zh: (p) => `服务时长 ${String(p.hours)} 小时超过了开始至结束的时间 ${String(p.elapsed)} 小时。`,
    en: (p) => `${String(p.hours)} hours is more than the ${String(p.elapsed)} hours between start and end.`,
  },
  scope_not_allowed: {
    status: 400,
    title: 'Scope not allowed',
    zh: (p) => `只有 station 密钥可以限定组织单位，${String(p.role)} 密钥不可以。`,
    en: (p) => `Only station keys are scoped to an org unit, not ${String(p.role)} keys.`,
  },
  unauthenticated: {
    status: 401,
    title: 'Unauthenticated',
    zh: '缺少或无效的 API 密钥，请使用 Authorization: Bearer <key>。',
    en: 'Missing or unknown API key; send Authorization: Bearer <key>.',
  },
  metrics_unauthenticated: {
    status: 401,
    title: 'Metrics token required',
    zh: '缺少或错误的指标令牌，请使用 Authorization: Bearer <METRICS_TOKEN>。',
    en: 'Missing or wrong metrics token; send Authorization: Bearer <METRICS_TOKEN>.',
  },
  operator_unauthenticated: {
    status: 401,
    title: 'Operator token required',
    zh: '缺少或无效的运维令牌（operator token），请使用 Authorization: Bearer <token>；租户的 API 密钥不能调用此接口。',
    en: "Missing or wrong operator token; send Authorization: Bearer <token>. A tenant's API key cannot call this.",
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    zh: (p) => `角色 ${String(p.role)} 无权执行此操作。`,
    en: (p) => `The role ${String(p.role)} may not do this.`,
  },
  org_unit_out_of_scope: {
    status: 403,
    title: 'Org unit out of scope',
    zh: (p) => `此密钥无权操作组织单位 ${String(p.orgUnitId)}。`,
    en: (p) => `This key may not act for org unit ${String(p.orgUnitId)}.`,
  },
  force_not_allowed: {
    status: 403,
    title: 'Force not allowed',
    zh: '只有管理员可以强制更正（将已消费积分记入调整账户）。',
    en: 'Only an admin may force a correction into the adjustment account.',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    zh: '没有这个地址。',
    en: 'There is no such resource.',
  },
  tenant_not_found: {
    status: 404,
    title: 'Tenant not found',
    zh: (p) => `租户 ${String(p.tenantId)} 不存在。`,
    en: (p) => `Tenant ${String(p.tenantId)} does not exist.`,
  },
  account_not_found: {
    status: 404,
    title: 'Account not found',
    zh: (p) => `账户 ${String(p.accountId)} 不存在。`,
    en: (p) => `Account ${String(p.accountId)} does not exist.`,
  },
  entry_not_found: {
    status: 404,
    title: 'Entry not found',
    zh: (p) => `分录 ${String(p.entryId)} 不存在。`,
    en: (p) => `Entry ${String(p.entryId)} does not exist.`,
  },
  hold_not_found: {
    status: 404,
    title: 'Hold not found',
    zh: (p) => `冻结 ${String(p.holdId)} 不存在。`,
    en: (p) => `Hold ${String(p.holdId)} does not exist.`,
  },
  org_unit_not_found: {
    status: 404,
    title: 'Org unit not found',
    zh: (p) => `组织单位 ${String(p.orgUnitId)} 不存在。`,
    en: (p) => `Org unit ${String(p.orgUnitId)} does not exist.`,
  },
  member_not_found: {
    status: 404,
    title: 'Member not found',
    zh: '该成员不存在。',
    en: 'There is no such member.',
  },
  card_not_found: {
    status: 404,
    title: 'Card not found',
    zh: '该卡号不存在或已挂失。',
    en: 'There is no such card, or it is blocked.',
  },
  record_not_found: {
    status: 404,
    title: 'Service record not found',
    zh: (p) => `志愿服务记录 ${String(p.recordId)} 不存在。`,
    en: (p) => `Service record ${String(p.recordId)} does not exist.`,
  },
  api_key_not_found: {
    status: 404,
    title: 'API key not found',
    zh: (p) => `API 密钥 ${String(p.keyId)} 不存在。`,
    en: (p) => `API key ${String(p.keyId)} does not exist.`,
  },
  idempotency_conflict: {
    status: 409,
    title: 'Idempotency key reused',
    zh: '此 Idempotency-Key 已用于内容不同的请求。',
    en: 'This Idempotency-Key was already used with a different request.',
  },
  tenant_exists: {
    status: 409,
    title: 'Tenant exists',
    zh: (p) => `租户 ${String(p.tenantId)} 已存在。`,
    en: (p) => `Tenant ${String(p.tenantId)} already exists.`,
  },
  account_exists: {
    status: 409,
    title: 'Account exists',
    zh: (p) => `账户 ${String(p.accountId)} 已存在。`,
    en: (p) => `Account ${String(p.accountId)} already exists.`,
  },
  already_reversed: {
    status: 409,
    title: 'Already reversed',
    zh: (p) => `分录 ${String(p.entryId)} 已被冲正，不能再次冲正。`,
    en: (p) => `Entry ${String(p.entryId)} has already been reversed.`,
  },
  hold_already_captured: {
    status: 409,
    title: 'Hold already captured',
    zh: (p) => `冻结 ${String(p.holdId)} 已扣款，不能再次扣款或解冻。`,
    en: (p) => `Hold ${String(p.holdId)} has already been captured.`,
  },
  hold_already_voided: {
    status: 409,
    title: 'Hold already voided',
    zh: (p) => `冻结 ${String(p.holdId)} 已解冻（撤销），不能再扣款或解冻。`,
    en: (p) => `Hold ${String(p.holdId)} has already been voided.`,
  },
  hold_expired: {
    status: 409,
    title: 'Hold expired',
    zh: (p) => `冻结 ${String(p.holdId)} 已于 ${String(p.expiresAt)} 到期，冻结额度已释放或即将释放。`,
    en: (p) => `Hold ${String(p.holdId)} expired at ${String(p.expiresAt)}; its amount is released.`,
  },
  org_unit_exists: {
    status: 409,
    title: 'Org unit exists',
    zh: (p) => `组织单位 ${String(p.orgUnitId)} 已存在。`,
    en: (p) => `Org unit ${String(p.orgUnitId)} already exists.`,
  },
  member_exists: {
    status: 409,
    title: 'Member exists',
    zh: '该身份证号码已登记。',
    en: 'A member with this national ID number is already registered.',
  },
  tenant_has_data: {
    status: 409,
    title: 'Tenant has data',
    zh: (p) => `租户 ${String(p.tenantId)} 已有非演示数据（${String(p.found)}），不填充演示数据；确需填充请加 force。`,
    en: (p) => `Tenant ${String(p.tenantId)} already holds data that is not demo data (${String(p.found)}); send force to fill it anyway.`,
  },
  card_exists: {
    status: 409,
    title: 'Card exists',
    zh: (p) => `卡号 ${String(p.cardNo)} 已被使用。`,
    en: (p) => `Card ${String(p.cardNo)} is already in use.`,
  },
  overlapping_record: {
    status: 409,
    title: 'Overlapping record',
    zh: (p) => `该成员在此时间段已有服务记录 ${String(p.recordId)}。`,
    en: (p) => `The member already has service record ${String(p.recordId)} in this period.`,
  },
  record_status_conflict: {
    status: 409,
    title: 'Record status does not allow this',
    zh: (p) => `服务记录状态为 ${String(p.status)}，不能执行 ${String(p.action)}。`,
    en: (p) => `The service record is ${String(p.status)}; it cannot be given ${String(p.action)}.`,
  },
  entry_not_sealed: {
    status: 409,
    title: 'Entry not sealed yet',
    zh: (p) => `分录 ${String(p.entryId)}（序号 ${String(p.seq)}）尚未封存，封存会在写入后几秒内完成，请稍后重试。`,
    en: (p) => `Entry ${String(p.entryId)} (sequence ${String(p.seq)}) is not sealed yet; sealing follows the writes within seconds, retry shortly.`,
  },
  already_rated: {
    status: 409,
    title: 'Already rated',
    zh: '该服务记录已评价过。',
    en: 'The service record has already been rated.',
  },
  entry_belongs_to_record: {
    status: 409,
    title: 'Entry belongs to a service record',
    zh: (p) => `该分录属于志愿服务记录 ${String(p.recordId)}，请通过更正或撤销该记录来冲正。`,
    en: (p) => `The entry belongs to service record ${String(p.recordId)}; correct or revoke the record instead.`,
  },
  entry_belongs_to_sale: {
    status: 409,
    title: 'Entry belongs to a love-supermarket sale',
    zh: '该分录属于爱心超市的兑换、结算或退货，请通过退货来冲回积分。',
    en: 'The entry belongs to a love-supermarket sale, capture or refund; refund the sale instead.',
  },
  last_admin_key: {
    status: 409,
    title: 'Last admin key',
    zh: '不能吊销最后一个有效的管理员密钥。',
    en: 'The last active admin key cannot be revoked.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    zh: '请求体过大。',
    en: 'The request body is too large.',
  },
  uri_too_long: {
    status: 414,
    title: 'URI too long',
    zh: '请求地址过长。',
    en: 'The request URI is too long.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    zh: '请求体必须是 application/json。',
    en: 'The request body must be application/json.',
  },
  insufficient_points: {
    status: 422,
    title: 'Insufficient points',
    zh: (p) => `账户 ${String(p.accountId)} 积分不足：可用 ${String(p.available)}，需要 ${String(p.requested)}。`,
    en: (p) => `Account ${String(p.accountId)} has ${String(p.available)} points available; ${String(p.requested)} needed.`,
  },
  insufficient_hours: {
    status: 422,
    title: 'Insufficient hours',
    zh: (p) => `账户 ${String(p.accountId)} 时长不足：可用 ${String(p.available)}，需要 ${String(p.requested)}。`,
    en: (p) => `Account ${String(p.accountId)} has ${String(p.available)} hours available; ${String(p.requested)} needed.`,
  },
  unit_mismatch: {
    status: 422,
    title: 'Unit mismatch',
    zh: (p) => `账户 ${String(p.accountId)} 的单位是 ${String(p.unit)}，与记账单位不符。`,
    en: (p) => `Account ${String(p.accountId)} holds ${String(p.unit)}, not the unit posted.`,
  },
  amount_out_of_range: {
    status: 422,
    title: 'Amount out of range',
    zh: '记账后余额将超出账本可表示的范围。',
    en: 'The resulting balance would exceed what the ledger can hold.',
  },
  hold_exceeded: {
    status: 422,
    title: 'Capture exceeds the hold',
    zh: (p) => `扣款 ${String(p.requested)} 超过了冻结金额 ${String(p.held)}。`,
    en: (p) => `A capture of ${String(p.requested)} is more than the ${String(p.held)} held.`,
  },
  account_not_holdable: {
    status: 422,
    title: 'Account cannot be held',
    zh: (p) => `账户 ${String(p.accountId)} 有多个余额分槽（系统热点账户），不能冻结；只能冻结单槽账户（如成员账户）。`,
    en: (p) => `Account ${String(p.accountId)} has several balance slots (a hot system account) and cannot be held; only single-slot accounts such as members' can.`,
  },
  hold_expiry_invalid: {
    status: 422,
    title: 'Hold expiry not in the future',
    zh: '冻结的到期时间必须晚于当前时间（以数据库时钟为准）。',
    en: "A hold's expiry must lie in the future (by the database's clock).",
  },
  expiry_until_in_future: {
    status: 422,
    title: 'Expiry run ahead of the clock',
    zh: '积分清零只能处理已经到期的积分：截止时间不能晚于账本当前时间。',
    en: "An expiry run can only expire points that have lapsed: its 'until' cannot lie ahead of the ledger's clock.",
  },
  entry_not_reversible: {
    status: 422,
    title: 'Entry not reversible',
    zh: '冲正分录不能再被冲正；请另记一笔新分录。',
    en: 'A reversal cannot itself be reversed; post a new entry instead.',
  },
  proof_chain_invalid: {
    status: 422,
    title: 'Chain of block heads not possible',
    zh: (p) => `分录所在的封存块为 ${String(p.blockNo)}，最新块为 ${String(p.latest)}：chainTo 必须在两者之间，且相差不超过 ${String(p.max)} 块。`,
    en: (p) => `The entry is in block ${String(p.blockNo)} and the latest block is ${String(p.latest)}: chainTo must lie between them, at most ${String(p.max)} blocks on.`,
  },
  invalid_parent: {
    status: 422,
    title: 'Invalid parent',
    zh: (p) => (p.parentKind ? `${String(p.kind)} 不能设在 ${String(p.parentKind)} 之下，或上级已停用。` : `${String(p.kind)} 的上级不符合层级要求（只有 center 没有上级）。`),
    en: (p) =>
      p.parentKind
        ? `A ${String(p.kind)} cannot sit under a ${String(p.parentKind)}, or that parent (or a unit above it) is inactive.`
        : `A ${String(p.kind)} has the wrong parent: a center has none, every other unit has one.`,
  },
  org_unit_inactive: {
    status: 422,
    title: 'Org unit inactive',
    zh: (p) => `组织单位 ${String(p.orgUnitId)} 已停用。`,
    en: (p) => `Org unit ${String(p.orgUnitId)} is inactive.`,
  },
  member_inactive: {
    status: 422,
    title: 'Member inactive',
    zh: '该成员已注销。',
    en: 'The member is inactive.',
  },
  record_in_future: {
    status: 422,
    title: 'Record in the future',
    zh: '服务记录的时间不能晚于当前时间。',
    en: 'A service record cannot start or end in the future.',
  },
  record_too_old: {
    status: 422,
    title: 'Record too old',
    zh: (p) => `服务记录超出补录期限（${String(p.days)} 天）。`,
    en: (p) => `The service is older than the back-dating window of ${String(p.days)} days.`,
  },
  daily_cap_exceeded: {
    status: 422,
    title: 'Daily cap exceeded',
    zh: (p) => `当日服务时长将达 ${String(p.total)} 小时，超过每日上限 ${String(p.cap)} 小时。`,
    en: (p) => `The day would total ${String(p.total)} hours, above the daily cap of ${String(p.cap)}.`,
  },
  points_already_spent: {
    status: 422,
    title: 'Points already spent',
    zh: (p) => `该成员已消费部分积分：更正需扣回 ${String(p.required)}，可用仅 ${String(p.available)}。管理员可使用 force 记入调整账户。`,
    en: (p) =>
      `The member has spent some of these points: the correction takes back ${String(p.required)} but only ${String(p.available)} are available. An admin may force it into the adjustment account.`,
  },
  rule_effective_in_past: {
    status: 422,
    title: 'Rule effective in the past',
    zh: '新积分规则或积分有效期规则的生效时间不能早于当前时间，以免改变已发放的积分。',
    en: 'A new points rule or expiry policy cannot take effect in the past: points already credited never change.',
  },
  internal_error: {
    status: 500,
    title: 'Internal error',
    zh: '服务内部错误，已记录。',
    en: 'Internal error; it has been logged.',
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    zh: '数据库暂时不可用，请稍后重试（可使用相同的 Idempotency-Key）。',
    en: 'The database is unavailable; retry later (with the same Idempotency-Key).',
  },

  // Love supermarkets (src/markets).
  idempotency_key_required: { status: 400, title: 'Idempotency-Key required', zh: '此操作必须带 Idempotency-Key 请求头，以便重试不会重复扣分。', en: 'This write needs an Idempotency-Key header, so that a retry never charges twice.' },
  market_not_found: { status: 404, title: 'Market not found', zh: (p) => `爱心超市 ${String(p.marketId)} 不存在。`, en: (p) => `There is no market ${String(p.marketId)}.` },
  market_exists: { status: 409, title: 'Market exists', zh: (p) => `爱心超市 ${String(p.marketId)} 已存在。`, en: (p) => `Market ${String(p.marketId)} exists already.` },
  market_inactive: { status: 422, title: 'Market inactive', zh: (p) => `爱心超市 ${String(p.marketId)} 已停用。`, en: (p) => `Market ${String(p.marketId)} is deactivated.` },
  market_out_of_scope: { status: 403, title: 'Market out of scope', zh: (p) => `此密钥无权操作爱心超市 ${String(p.marketId)}。`, en: (p) => `This key may not act for market ${String(p.marketId)}.` },
  terminal_not_found: { status: 404, title: 'Terminal not found', zh: (p) => `收银终端 ${String(p.terminalId)} 不存在。`, en: (p) => `There is no terminal ${String(p.terminalId)}.` },
  terminal_exists: { status: 409, title: 'Terminal exists', zh: (p) => `收银终端 ${String(p.terminalId)} 已存在。`, en: (p) => `Terminal ${String(p.terminalId)} exists already.` },
  terminal_inactive: { status: 422, title: 'Terminal inactive', zh: (p) => `收银终端 ${String(p.terminalId)} 已停用。`, en: (p) => `Terminal ${String(p.terminalId)} is deactivated.` },
  item_exists: { status: 409, title: 'Item exists', zh: (p) => `商品编码 ${String(p.sku)} 已存在。`, en: (p) => `An item with sku ${String(p.sku)} exists already in this market.` },
  unknown_sku: { status: 422, title: 'Unknown sku', zh: (p) => `本超市没有商品编码 ${String(p.sku)}。`, en: (p) => `This market has no item with sku ${String(p.sku)}.` },
  item_not_found: { status: 404, title: 'Item not found', zh: (p) => `本超市没有商品编码 ${String(p.sku)}。`, en: (p) => `This market has no item with sku ${String(p.sku)}.` },
  item_inactive: { status: 422, title: 'Item inactive', zh: (p) => `商品 ${String(p.sku)} 已下架。`, en: (p) => `Item ${String(p.sku)} is not for sale.` },
  not_goods: { status: 422, title: 'Not goods', zh: (p) => `${String(p.sku)} 是服务，没有库存。`, en: (p) => `${String(p.sku)} is a service and has no stock.` },
  card_blocked: { status: 422, title: 'Card blocked', zh: (p) => `卡 ${String(p.cardNo)} 已挂失，不能使用。`, en: (p) => `Card ${String(p.cardNo)} is blocked.` },
  out_of_stock: { status: 422, title: 'Out of stock', zh: (p) => `商品 ${String(p.sku)} 库存不足：剩余 ${String(p.available)}，需要 ${String(p.requested)}。`, en: (p) => `Item ${String(p.sku)} has ${String(p.available)} left; ${String(p.requested)} wanted.` },
  stock_negative: { status: 422, title: 'Stock would go negative', zh: (p) => `商品 ${String(p.sku)} 库存不能小于零（现有 ${String(p.stock)}）。`, en: (p) => `The stock of ${String(p.sku)} cannot go below zero (it is ${String(p.stock)}).` },
  limit_exceeded: { status: 422, title: 'Limit exceeded', zh: (p) => `商品 ${String(p.sku)} 每${periodZh(p.period)}限兑 ${String(p.limit)} 件，已兑 ${String(p.used)} 件；${String(p.resetsAt)} 重置。`, en: (p) => `Item ${String(p.sku)} is limited to ${String(p.limit)} per member per ${String(p.period)}; ${String(p.used)} used; resets at ${String(p.resetsAt)}.` },
  capacity_exceeded: { status: 422, title: 'Capacity exceeded', zh: (p) => `服务 ${String(p.sku)} 本${periodZh(p.period)}名额已满（共 ${String(p.capacity)}，剩余 ${String(p.available)}）；${String(p.resetsAt)} 重置。`, en: (p) => `Service ${String(p.sku)} has ${String(p.available)} of ${String(p.capacity)} places left this ${String(p.period)}; resets at ${String(p.resetsAt)}.` },
  redemption_not_found: { status: 404, title: 'Redemption not found', zh: '该兑换记录不存在。', en: 'There is no such redemption.' },
  refund_exceeded: { status: 422, title: 'Refund exceeds sale', zh: (p) => `第 ${String(p.line)} 行最多还能退 ${String(p.refundable)} 件。`, en: (p) => `Line ${String(p.line)} has ${String(p.refundable)} left to refund.` },
  unknown_line: { status: 422, title: 'Unknown line', zh: (p) => `该兑换没有第 ${String(p.line)} 行。`, en: (p) => `The redemption has no line ${String(p.line)}.` },
  basket_not_found: { status: 404, title: 'Basket not found', zh: '该预扣购物篮不存在。', en: 'There is no such basket on hold.' },
  capture_exceeds_basket: { status: 422, title: 'Capture exceeds basket', zh: (p) => `商品 ${String(p.sku)} 预扣了 ${String(p.held)} 件，不能结算 ${String(p.requested)} 件。`, en: (p) => `The basket holds ${String(p.held)} of ${String(p.sku)}; ${String(p.requested)} cannot be captured.` },
  occurred_at_in_future: { status: 422, title: 'Sale dated in the future', zh: '终端时间晚于服务器时间，不能接受。', en: 'The sale is dated in the future.' },
  occurred_at_too_old: { status: 422, title: 'Sale too old', zh: (p) => `离线交易超过 ${String(p.days)} 天的上传期限。`, en: (p) => `The sale is older than the upload window of ${String(p.days)} days.` },
  // Certificates of service records (src/certificates).
  certificate_not_found: { status: 404, title: 'Certificate not found', zh: '没有找到该志愿服务记录证明。', en: 'There is no such certificate.' },
  certificate_period_invalid: { status: 400, title: 'Invalid period', zh: '证明期间无效：起始日期不能晚于截止日期，且不能晚于今天，跨度不超过 50 年。', en: 'The period is not valid: from must not be after to or after today, and it spans at most 50 years.' },
  certificate_no_records: { status: 422, title: 'No records to certify', zh: '该期间内没有由出具单位（及其下级单位）记录并已审核的服务记录。', en: 'No verified records in the period were recorded by the issuing unit or the units under it.' },
  certificate_too_many_records: { status: 422, title: 'Too many records', zh: (p) => `一份证明最多包含 ${String(p.max)} 条记录，请缩短期间。`, en: (p) => `A certificate holds at most ${String(p.max)} records; choose a shorter period.` },
  certificate_not_sealed: { status: 409, title: 'Records not sealed yet', zh: '部分记录的分录尚未封存，请稍后重试（可使用相同的 Idempotency-Key）。', en: 'Some of the records\' entries are not sealed yet; retry later (with the same Idempotency-Key).' },
  certificate_withdrawn: { status: 409, title: 'Certificate withdrawn', zh: '该证明已被撤回。', en: 'The certificate has been withdrawn already.' },
  signing_unavailable: { status: 503, title: 'Signing unavailable', zh: '本服务进程没有签名密钥，无法出具证明。', en: 'This process has no signing secret at hand and cannot sign a certificate.' },
  rate_limited: { status: 429, title: 'Too many requests', zh: (p) => `请求过于频繁，请 ${String(p.retryAfter ?? 60)} 秒后再试。`, en: (p) => `Too many requests; retry in ${String(p.retryAfter ?? 60)} seconds.` },
} satisfies Record<string, ProblemSpec>;

export type ProblemCode = keyof typeof problems;
export const problemCodes = Object.keys(problems) as ProblemCode[];

export type Language = 'zh-CN' | 'en';

export function problemDetail(code: ProblemCode, lang: Language, params: Params = {}): string {
  const spec: ProblemSpec = problems[code];
  const text = lang === 'en' ? spec.en : spec.zh;
  return typeof text === 'function' ? text(params) : text;
}

/** A rule of the domain said no. Carries a wire code; nothing was written. */
export class DomainError extends Error {
  readonly code: ProblemCode;
  readonly params: Params;
  /** Set when this refusal is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed = false;
  constructor(code: ProblemCode, params: Params = {}) {
    super(problemDetail(code, 'en', params));
    this.name = 'DomainError';
    this.code = code;
    this.params = params;
  }
  get status(): number {
    return problems[this.code].status;
  }
}
