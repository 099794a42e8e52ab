#!/usr/bin/env bash
# The README's walkthrough ("Using the API", "Volunteer hours, points and stars") as one script
# that checks every answer: the README shows the parts between the `# readme:` markers word for
# word (test/readme-walkthrough.test.ts fails when they differ), and .ci/run runs it against a
# started service on both engines. Needs bash, curl and node (no jq).
#
#   BASE=http://localhost:3000 KEY=vk_… scripts/walkthrough.sh
#
# KEY is an admin key of a tenant the walkthrough has not run on yet (its ids are fixed). Dates
# are relative to today, China time. Exit 0 when every step answered as shown; otherwise the
# first step that did not is printed with its answer and the script exits 1.
set -euo pipefail
: "${BASE:?set BASE, e.g. http://localhost:3000}" "${KEY:?set KEY to an admin key}"
ANSWER=$(mktemp) HEADERS=$(mktemp)
trap 'rm -f "$ANSWER" "$HEADERS"' EXIT

# readme: helpers
# api METHOD PATH [JSON] [HEADER…]: curl with the key (and the JSON body, if any); prints the answer.
api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-s -X "$method" "$BASE$path" -H "Authorization: Bearer $KEY" -D "$HEADERS" -o "$ANSWER" -w '%{http_code}')
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' -d "$body")
  for h in "${@:4}"; do args+=(-H "$h"); done
  STATUS=$(curl "${args[@]}")
  echo "$method $path → $STATUS"
  cat "$ANSWER"; echo
}
# expect STATUS [CHECK]: the answer had STATUS and CHECK (JavaScript, the answer is `b`) holds.
expect() {
  [[ $STATUS == "$1" ]] || fail "expected status $1, got $STATUS"
  [[ -z ${2:-} ]] || node -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.exit(new Function("b", "return (" + process.argv[2] + ")")(b) ? 0 : 1)' "$ANSWER" "$2" || fail "expected: $2"
}
# field EXPR: one value of the answer (JavaScript, the answer is `b`), e.g. ENTRY=$(field b.id).
field() { node -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  process.stdout.write(String(new Function("b", "return " + process.argv[2])(b)))' "$ANSWER" "$1"; }
header() { grep -i "^$1:" "$HEADERS" | cut -d' ' -f2- | tr -d '\r'; }
fail() { echo "walkthrough FAILED: $*" >&2; exit 1; }
# China-time dates, N days before today: day 3 → 2026-12-01 (GNU date, or BSD date on macOS).
day() { TZ=Asia/Shanghai date -d "$1 days ago" +%F 2>/dev/null || TZ=Asia/Shanghai date -v-"$1"d +%F; }
# readme: end

# readme: accounts
api POST /v1/accounts '{"id":"member:1024:points","unit":"POINTS","type":"member","name":"张三 积分"}'
expect 201 'b.balance === "0.00" && b.allowNegative === false'

api POST /v1/accounts '{"id":"issuance:center:points","unit":"POINTS","type":"issuance","allowNegative":true,"slots":4}'
expect 201 'b.allowNegative === true && b.slots === 4'
# readme: end

# readme: entry
AWARD='{"reason":"敬老院志愿服务 3 小时","postings":[
  {"accountId":"issuance:center:points","unit":"POINTS","direction":"debit","amount":"30.00"},
  {"accountId":"member:1024:points","unit":"POINTS","direction":"credit","amount":"30.00"}]}'
api POST /v1/entries "$AWARD" 'Idempotency-Key: award-0001'
expect 201 'b.postings.length === 2 && b.seq && b.txId && b.recordedAt'
ENTRY=$(field b.id)

# the same key and body again: the first answer, marked as a replay
api POST /v1/entries "$AWARD" 'Idempotency-Key: award-0001'
expect 201 "b.id === '$ENTRY'"
[[ $(header idempotent-replayed) == true ]] || fail 'expected Idempotent-Replayed: true'

# the same key with another body
api POST /v1/entries "${AWARD/30.00/31.00}" 'Idempotency-Key: award-0001'
expect 409 'b.code === "idempotency_conflict"'
# readme: end

# readme: balance
api GET /v1/accounts/member:1024:points
expect 200 'b.balance === "30.00" && b.held === "0.00" && b.available === "30.00"'

api GET "/v1/accounts/member:1024:points/postings?limit=10"
expect 200 'b.items.length === 1 && b.nextCursor === null'
# readme: end

# readme: reversal
api GET /v1/entries/$ENTRY
expect 200 "b.id === '$ENTRY'"

api POST /v1/entries/$ENTRY/reversal '{"reason":"录入错误，冲正"}' 'Idempotency-Key: reverse-0001'
expect 201 "b.postings.length === 2"

api POST /v1/entries/$ENTRY/reversal '{"reason":"再次冲正"}' 'Idempotency-Key: reverse-0002'
expect 409 'b.code === "already_reversed"'
# readme: end

# readme: verification
api GET /v1/ledger/verification
expect 200 'b.ok === true && b.problems.length === 0 && b.unitTotals.every((u) => u.total === "0.00")'
# readme: end

# readme: keys
api GET /v1/tenant
expect 200 'b.role === "admin"'

api POST /v1/api-keys '{"name":"爱心超市 POS 1","role":"pos"}'
expect 201 'b.role === "pos" && b.key.startsWith("vk_")'
POS_KEY_ID=$(field b.id)

api GET /v1/api-keys
expect 200 "b.items.some((k) => k.id === '$POS_KEY_ID')"

api POST /v1/api-keys/$POS_KEY_ID/revocation
expect 200 'b.revokedAt !== null'
# readme: end

# readme: org-units
api POST /v1/org-units '{"id":"county","kind":"center","name":"县文明实践中心"}'
expect 201
api POST /v1/org-units '{"id":"xinhua","kind":"institute","parentId":"county","name":"新华镇实践所"}'
expect 201
api POST /v1/org-units '{"id":"xinhua-1","kind":"station","parentId":"xinhua","name":"东村实践站"}'
expect 201 'b.parentId === "xinhua" && b.active === true'

# a key for the station's app, acting for that station and the units under it only
api POST /v1/api-keys '{"name":"东村站 app","role":"station","orgUnitId":"xinhua-1"}'
expect 201 'b.role === "station" && b.orgUnitId === "xinhua-1"'
# readme: end

# readme: member
api POST /v1/members '{"name":"张三","idNumber":"11010519491231002X","phone":"13812345678","homeOrgUnitId":"xinhua-1",
  "cards":["6214830100001234"]}'
expect 201 'b.idNumberMasked === "1101**********002X" && b.phoneMasked === "138****5678" && b.hours === "0.00" && b.stars === 0'
MEMBER=$(field b.id)

api GET /v1/cards/6214830100001234      # look-up by card (一卡通)
expect 200 "b.id === '$MEMBER'"

api GET /v1/cards/6214830100001234/counter-view      # what a supermarket counter (pos key) sees
expect 200 "b.memberId === '$MEMBER' && b.name === '张三' && b.card.status === 'active' && !('idNumberMasked' in b)"
# readme: end

# readme: rule
# version 2, in force from now on ("effectiveFrom" may name a later time instead)
api POST /v1/points-rules '{"pointsPerHour":"10","categoryMultipliers":{"elderly":"1.2"},
  "ratingBonus":{"5":"5.00","4":"2.00"},"dailyCapHours":"12","backdatingDays":30,"pointSources":["checkin","manual"]}'
expect 201 'b.version === 2 && b.backdatingDays === 30'
# readme: end

# readme: record
DAY=$(day 3)      # three days ago, China time
api POST /v1/service-records '{"externalId":"xinhua-1-0001","memberId":"'$MEMBER'","orgUnitId":"xinhua-1",
  "category":"elderly","title":"敬老院陪护","source":"checkin",
  "startedAt":"'$DAY'T09:00:00+08:00","endedAt":"'$DAY'T12:00:00+08:00","hours":"2.5"}'
expect 201 'b.record.status === "submitted" && b.record.hours === "2.50"'
RECORD=$(field b.record.id)

api POST /v1/service-records/$RECORD/verification
expect 200 'b.record.status === "verified" && b.record.award.ruleVersion === 2 && b.record.award.points === "30.00"
  && b.record.award.explanation === "2.5 h × 10 × 1.2 = 30.00 (rule v2)" && b.member.hours === "2.50" && b.member.points === "30.00"'

api POST /v1/service-records/$RECORD/rating '{"stars":5,"comment":"很耐心"}'
expect 200 'b.record.rating.stars === 5 && b.record.rating.bonusPoints === "5.00" && b.member.points === "35.00"'
# readme: end

# readme: correction
api POST /v1/service-records/$RECORD/correction '{"hours":"2","reason":"签退时间有误"}'
expect 200 'b.record.hours === "2.00" && b.record.award.points === "24.00" && b.member.points === "29.00"'

api POST /v1/service-records/$RECORD/revocation '{"reason":"重复登记","force":true}'
expect 200 'b.record.status === "revoked" && b.member.hours === "0.00" && b.member.points === "0.00"'

api GET /v1/service-records/$RECORD       # with its full history
expect 200 'b.history.map((e) => e.type).join() === "submitted,verified,rated,corrected,revoked"'

api GET "/v1/service-records?memberId=$MEMBER&status=revoked&from=$(day 7)T00:00:00%2B08:00"
expect 200 "b.items.length === 1 && b.items[0].id === '$RECORD'"
# readme: end

# readme: batch
DAY=$(day 2)
RECORD_2='{"externalId":"xinhua-1-0002","memberId":"'$MEMBER'","orgUnitId":"xinhua-1","category":"elderly","title":"助老理发",
  "startedAt":"'$DAY'T09:00:00+08:00","endedAt":"'$DAY'T11:00:00+08:00","hours":"2"}'
RECORD_3='{"externalId":"xinhua-1-0003","memberId":"'$MEMBER'","orgUnitId":"xinhua-1","category":"culture","title":"农家书屋值守",
  "startedAt":"'$DAY'T14:00:00+08:00","endedAt":"'$DAY'T17:00:00+08:00","hours":"3"}'
api POST /v1/service-records:batch '{"items":['"$RECORD_2,$RECORD_3"']}'
expect 200 'b.accepted === 2 && b.refused === 0 && b.results.every((r) => r.status === 201 && !r.replayed)'

# retrying the batch repeats nothing
api POST /v1/service-records:batch '{"items":['"$RECORD_2,$RECORD_3"']}'
expect 200 'b.accepted === 2 && b.results.every((r) => r.replayed)'
# readme: end

# readme: stars
api GET /v1/members/$MEMBER       # hours, points, stars, hoursToNextStar, lastStarChange
expect 200 'b.hours === "0.00" && b.stars === 0 && b.hoursToNextStar === "100.00"'

api GET /v1/members/$MEMBER/star-changes
expect 200 'Array.isArray(b.items)'
# readme: end

# readme: market
api POST /v1/markets '{"id":"dongcun","orgUnitId":"xinhua-1","name":"东村爱心超市"}'
expect 201 'b.accountId === "market:dongcun:points" && b.receiptsIssued === 0'

api POST /v1/markets/dongcun/items '{"sku":"RICE-5KG","name":"大米 5 公斤","kind":"goods","price":"20.00","stock":10}'
expect 201 'b.stock === 10 && b.available === 10'
api POST /v1/markets/dongcun/items '{"sku":"OIL-1L","name":"食用油 1 升","kind":"goods","price":"8.00","stock":20,
  "limit":{"quantity":2,"period":"month"}}'
expect 201 'b.limit.quantity === 2'
api POST /v1/markets/dongcun/items '{"sku":"HAIRCUT","name":"理发","kind":"service","price":"5.00","capacity":{"quantity":10,"period":"day"}}'
expect 201 'b.stock === null'

# a terminal (收银终端) with its own pos key: it sells and reads for this market only
api POST /v1/markets/dongcun/terminals '{"id":"dongcun-1","name":"一号收银台"}'
expect 201 'b.key.role === "pos"'
POS=$(field b.key.key)

# the member gets 100 points to spend (a grant from the station's issuance account)
api POST /v1/entries '{"reason":"季度表彰","postings":[
  {"accountId":"issuance:xinhua-1:points","unit":"POINTS","direction":"debit","amount":"100.00"},
  {"accountId":"member:'$MEMBER':points","unit":"POINTS","direction":"credit","amount":"100.00"}]}' 'Idempotency-Key: grant-0001'
expect 201
# readme: end

# readme: sale
KEY=$POS api GET /v1/cards/6214830100001234/counter-view
expect 200 'b.pointsAvailable === "100.00" && b.card.status === "active"'

SALE_BODY='{"cardNo":"6214830100001234","lines":[{"sku":"RICE-5KG","quantity":2},{"sku":"OIL-1L","quantity":1}]}'
KEY=$POS api POST /v1/redemptions "$SALE_BODY" 'Idempotency-Key: dongcun-1-000001'
expect 201 'b.receiptNo === "1" && b.total === "48.00" && b.lines[0].price === "20.00" && b.points.available === "52.00"'
SALE=$(field b.redemptionId)

# the terminal lost the answer and retries with the same key: the same receipt, nothing charged twice
KEY=$POS api POST /v1/redemptions "$SALE_BODY" 'Idempotency-Key: dongcun-1-000001'
expect 201 "b.redemptionId === '$SALE' && b.points.available === '52.00'"
[[ $(header idempotent-replayed) == true ]] || fail 'the retry was not marked as a replay'

# refused, with nothing written: at most 2 OIL-1L a month per member
KEY=$POS api POST /v1/redemptions '{"cardNo":"6214830100001234","lines":[{"sku":"OIL-1L","quantity":2}]}' 'Idempotency-Key: dongcun-1-000002'
expect 422 'b.code === "limit_exceeded" && b.limit === 2 && b.used === 1'
# readme: end

# readme: basket
# reserve points, stock and limits together; capture what the member takes, or void
KEY=$POS api POST /v1/redemption-holds '{"cardNo":"6214830100001234","expiresInSeconds":600,
  "lines":[{"sku":"HAIRCUT","quantity":1},{"sku":"RICE-5KG","quantity":1}]}' 'Idempotency-Key: dongcun-1-000003'
expect 201 'b.status === "open" && b.total === "25.00" && b.points.held === "25.00" && b.points.available === "27.00"'
BASKET=$(field b.id)

KEY=$POS api POST /v1/redemption-holds/$BASKET/capture '{"lines":[{"line":1,"quantity":1}]}' 'Idempotency-Key: dongcun-1-000004'
expect 201 'b.receiptNo === "2" && b.total === "5.00" && b.points.held === "0.00" && b.points.available === "47.00"'

KEY=$POS api POST /v1/redemption-holds/$BASKET/void '{}'
expect 409 'b.code === "hold_already_captured"'

# a basket voided: its points, its stock and its place in the member's limit all come back
KEY=$POS api POST /v1/redemption-holds '{"cardNo":"6214830100001234",
  "lines":[{"sku":"OIL-1L","quantity":1},{"sku":"RICE-5KG","quantity":1}]}' 'Idempotency-Key: dongcun-1-000006'
expect 201 'b.total === "28.00" && b.points.held === "28.00" && b.points.available === "19.00"'
HELD=$(field b.id)
KEY=$POS api GET /v1/markets/dongcun/items/RICE-5KG
expect 200 'b.stock === 8 && b.reserved === 1 && b.available === 7'
KEY=$POS api POST /v1/redemptions '{"cardNo":"6214830100001234","lines":[{"sku":"OIL-1L","quantity":1}]}' 'Idempotency-Key: dongcun-1-000007'
expect 422 'b.code === "limit_exceeded" && b.used === 2'    # 1 sold this month, 1 in the basket

KEY=$POS api POST /v1/redemption-holds/$HELD/void '{"reason":"顾客不要了"}' 'Idempotency-Key: dongcun-1-000008'
expect 200 'b.status === "voided" && b.resolvedAt !== null'
KEY=$POS api GET /v1/cards/6214830100001234/counter-view
expect 200 'b.pointsAvailable === "47.00"'
KEY=$POS api GET /v1/markets/dongcun/items/RICE-5KG
expect 200 'b.stock === 8 && b.reserved === 0 && b.available === 8'
KEY=$POS api POST /v1/redemptions '{"cardNo":"6214830100001234","lines":[{"sku":"OIL-1L","quantity":2}]}' 'Idempotency-Key: dongcun-1-000009'
expect 422 'b.code === "limit_exceeded" && b.used === 1'    # the voided basket no longer counts: 1 more may be sold
# readme: end

# readme: refund
KEY=$POS api POST /v1/redemptions/$SALE/refunds '{"lines":[{"line":1,"quantity":1}],"reason":"包装破损"}' 'Idempotency-Key: dongcun-1-000005'
expect 201 'b.kind === "refund" && b.receiptNo === "3" && b.total === "20.00" && b.points.balance === "67.00"'

KEY=$POS api GET /v1/redemptions/$SALE       # the sale with its refunds, as the receipts printed them
expect 200 'b.lines[0].refunded === 1 && b.refunds.length === 1 && b.refunds[0].receiptNo === "3"'
# readme: end

# readme: offline
# sales a terminal made offline, each with its own key and time; retrying the batch repeats nothing
OFFLINE='{"items":[
  {"idempotencyKey":"dongcun-1-off-0001","occurredAt":"'$(day 1)'T10:15:00+08:00","cardNo":"6214830100001234",
   "lines":[{"sku":"OIL-1L","quantity":1}]},
  {"idempotencyKey":"dongcun-1-off-0002","occurredAt":"'$(day 1)'T10:20:00+08:00","cardNo":"0000000000000000",
   "lines":[{"sku":"RICE-5KG","quantity":1}]}]}'
KEY=$POS api POST /v1/redemptions:batch "$OFFLINE"
expect 200 'b.accepted === 1 && b.refused === 1 && b.results[0].result.receiptNo === "4" && b.results[1].problem.code === "card_not_found"'

KEY=$POS api POST /v1/redemptions:batch "$OFFLINE"
expect 200 'b.accepted === 1 && b.results[0].replayed'

KEY=$POS api GET /v1/markets/dongcun/receipts
expect 200 'b.items.map((r) => r.kind + r.receiptNo).join() === "sale1,sale2,refund3,sale4"'
# readme: end

# readme: day
# the day's reconciliation (对账): receipts, stock movements and the market's ledger account agree
KEY=$POS api GET /v1/markets/dongcun/days/$(day 0)
expect 200 'b.reconciled === true && b.differences.length === 0 && b.totals.pointsTaken === "61.00" && b.totals.pointsReturned === "20.00"'
curl -s "$BASE/v1/markets/dongcun/days/$(day 0)?format=csv" -H "Authorization: Bearer $KEY" | head -3
# readme: end

# readme: stock
# a new price (the receipts keep the old one), a restock at the counter, the item's stock movements
api PATCH /v1/markets/dongcun/items/RICE-5KG '{"price":"22.00"}'
expect 200 'b.price === "22.00"'
api GET /v1/markets/dongcun/items/RICE-5KG
expect 200 'b.prices.map((p) => p.price).join() === "22.00,20.00" && b.stock === 9'

KEY=$POS api POST /v1/markets/dongcun/items/RICE-5KG/stock-movements '{"kind":"restock","quantity":20,"reason":"每周补货"}' \
  'Idempotency-Key: dongcun-1-restock-0001'
expect 201 'b.stockAfter === 29 && b.terminalId === "dongcun-1"'

KEY=$POS api GET "/v1/markets/dongcun/items/RICE-5KG/stock-movements?limit=3"
expect 200 'b.items.map((m) => m.kind + m.quantity).join() === "restock20,refund1,sale-2"'
# readme: end

# readme: terminal
# a terminal's key replaced (the old one stops at once), then the terminal taken out of service
api POST /v1/terminals/dongcun-1/key '{}'
expect 201 'b.key.role === "pos"'
OLD_POS=$POS POS=$(field b.key.key)
KEY=$OLD_POS api GET /v1/markets/dongcun/receipts
expect 401
KEY=$POS api GET /v1/markets/dongcun/receipts
expect 200

api POST /v1/terminals/dongcun-1/deactivation '{}'
expect 200
KEY=$POS api GET /v1/markets/dongcun/receipts
expect 401
# readme: end

# readme: expiry
# points earned from now on lapse at the end of the following year (year end, 12 months' grace)
api PATCH /v1/settings '{"pointsExpiry":{"policy":"yearEnd","months":12}}' 'Idempotency-Key: expiry-policy-0001'
expect 200 'b.pointsExpiry.version === 1 && b.pointsExpiry.policy === "yearEnd" && b.pointsExpiry.months === 12'
LAST_DAY="$(( $(day 0 | cut -c1-4) + 1 ))-12-31"
api POST /v1/entries '{"reason":"志愿服务表彰","postings":[
  {"accountId":"issuance:xinhua-1:points","unit":"POINTS","direction":"debit","amount":"10.00"},
  {"accountId":"member:'$MEMBER':points","unit":"POINTS","direction":"credit","amount":"10.00"}]}' 'Idempotency-Key: grant-0002'
expect 201

# what lapses when (the points earned before the policy never do)
api GET /v1/members/$MEMBER
expect 200 'JSON.stringify(b.pointsExpiring) === JSON.stringify([{ date: "'$LAST_DAY'", points: "10.00" }])'
# the member's lots, oldest first, each with its date and history
api GET "/v1/members/$MEMBER/lots?open=true"
expect 200 'b.items.at(-1).expiresOn === "'$LAST_DAY'" && b.items.at(-1).history[0].kind === "credit" && b.items[0].expiresOn === null'
# readme: end

# readme: statement
# the member's points statement, two movements a page: opening, each movement with its cause, closing
api GET "/v1/members/$MEMBER/statement?limit=2"
expect 200 'b.opening === "0.00" && b.page.movements === 2 && b.page.closing === b.items[1].balance && b.items.every((m) => m.cause !== undefined) && b.nextCursor'
NEXT=$(field b.nextCursor)
CLOSING=$(field b.closing)
# the next page as CSV, for Excel (its own next cursor in the X-Next-Cursor header)
api GET "/v1/members/$MEMBER/statement?cursor=$NEXT&format=csv&bom=true"
expect 200
[[ $(header content-type) == text/csv* ]] || fail "expected CSV"
[[ $(header x-period-closing) == "$CLOSING" ]] || fail "expected the same period"
# the trial balance as of now: every account, each unit's balances summing to zero
api GET /v1/ledger/trial-balance
expect 200 'b.totals.length === 2 && b.totals.every((u) => u.total === "0.00" && u.credits === u.debits) && b.settled'
# readme: end

echo "walkthrough passed"
