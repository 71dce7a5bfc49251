package web

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"hallq/server/config"
)

// customHall differs from the demo hall in every rule the rules page states.
const customHall = `[hall]
id = "tax"
name_zh = "税务分局办税厅"
name_en = "Tax Office"
address = "河滨路 8 号"
address_en = "8 Riverside Road"
time_zone = "Asia/Urumqi"
day_start = "03:00"
hours = ["08:30-12:00", "18:00-01:30"]
identity_retention = "240h"

[[services]]
id = "invoice"
name_zh = "发票领用"
name_en = "Invoices"
prefix = "F"
digits = 4
daily_cap = 80
per_identity_daily = 3
real_name = true
avg_service = "7m30s"
description_zh = "发票的领用与验旧。"
description_en = "Issuing and checking invoices."

[[services]]
id = "consult"
name_zh = "纳税咨询"
name_en = "Tax questions"
prefix = "Q"
avg_service = "2h"
[services.appointments]
prefix = "YQ"
slot_length = "20m"
capacity = 5
hours = ["09:00-11:00"]
weekdays = ["mon", "Wednesday"]
closed = ["2026-12-25"]
days_ahead = 3
release_at = "07:30"
cancel_before = "2h"
check_in_before = "10m"
check_in_after = "5m"
late_until = "25m"
per_identity_active = 1
no_show_limit = 2
no_show_window = "336h"
suspension = "168h"

[[windows]]
id = "7"
name_zh = "7号窗口"
name_en = "Window 7"
primary = ["invoice"]
secondary = ["consult"]

[[staff]]
username = "zhao"
name = "赵敏"
password_hash = "@HASH@"
windows = ["7"]

[[priority_classes]]
id = "veteran"
name_zh = "退役军人"
name_en = "Veterans"
description_zh = "持退役军人优待证。"
description_en = "With a veteran's card."

[[priority_classes]]
id = "elderly"
name_zh = "老年人"
name_en = "Elderly"
self_declared = true

[[manual_reasons]]
code = "vip-none"
name_zh = "领导现场协调"
name_en = "Coordinated on site"

[rules]
reinstate_within = "45m"
reinstate_after = 3
min_samples = 6
`

var tags = regexp.MustCompile(`<[^>]+>`)

// pageText returns a page's text in one language, as a reader sees it.
func pageText(body, lang string) string {
	other := "en"
	if lang == "en" {
		other = "zh"
	}
	drop := regexp.MustCompile(`<span class="` + other + `" lang="[^"]*">[^<]*</span>`)
	s := drop.ReplaceAllString(body, "")
	s = tags.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.Join(strings.Fields(s), " ")
}

func TestRulesFromConfiguration(t *testing.T) {
	cfg, err := config.Parse([]byte(strings.ReplaceAll(customHall, "@HASH@", hashed(t))), "custom.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHall(t, cfg)
	_, body := h.get("/rules")
	zh, en := pageText(body, "zh"), pageText(body, "en")
	tests := []struct {
		name     string
		text     string
		contains string
	}{
		{"day start and zone", zh, "服务日从每天 03:00（Asia/Urumqi 时间）开始"},
		{"hours with one past midnight", zh, "取号时间：08:30–12:00，18:00–次日01:30"},
		{"hours in English", en, "Numbers are issued: 08:30–12:00, 18:00–01:30 next day (Asia/Urumqi time)."},
		{"numbers and cap", zh, "F0001 … F0080 80 个"},
		{"no cap", zh, "Q001 … Q999 不另设上限"},
		{"per identity", zh, "每人每日 3 个"},
		{"service time with seconds", zh, "7 分钟 30 秒"},
		{"service time in English", en, "7 minutes 30 seconds"},
		{"service time in hours", en, "2 hours"},
		{"service description", zh, "发票的领用与验旧。"},
		{"priority order", zh, "退役军人：持退役军人优待证。 （由工作人员核验后指定） 老年人 （取号机上自行申报）"},
		{"priority declared in English", en, "Elderly (may be declared at a kiosk)"},
		{"offline placement", en, "clamped in the log says why: lease_granted (before the block's grant), last_contact (before the last contact) or synced_at (after the report)"},
		{"document rule", zh, "每人限额按证件号码计算，与所选证件种类无关"},
		{"manual reason", zh, "领导现场协调 vip-none"},
		{"reinstatement", zh, "过号后 45 分钟 内可到窗口申请恢复排队：恢复的号码排在同一业务、同一类别中接下来 3 位等候者之后"},
		{"reinstatement in English", en, "Within 45 minutes of that"},
		{"estimate samples", zh, "办结满 6 件之前"},
		{"real-name services", zh, "只有以下实名业务在取号时需要输入身份证件号码：发票领用。"},
		{"why collected", zh, "防止囤号、倒卖号码：发票领用每人每日 3 个。"},
		{"why in English", en, "so that nobody hoards or resells numbers: Invoices, 3 per person a day."},
		{"retention", zh, "摘要在 10 天 后删除"},
		{"retention in English", en, "Digests are deleted after 10 days."},
		{"who sees", zh, "没有人能看到证件号码"},
		{"appointment step", zh, "然后是按时签到的预约号，在其预约时段开始后，先于同一业务的现场号"},
		{"appointment reason", en, "priority, appointment, transfer, or manual"},
		{"slots", zh, "周一、周三，09:00–11:00，每 20 分钟一个时段，每时段 5 个名额；不开放：2026-12-25"},
		{"slots in English", en, "Mon, Wed, 09:00–11:00, a slot every 20 min, 5 places each; closed: 2026-12-25"},
		{"release", zh, "可预约今天起 3 天内；第 D 天的名额于 D−3 天 07:30 放出"},
		{"check-in", zh, "时段开始前 10 分钟 至开始后 5 分钟，凭预约时的证件在取号机签到；开始后 25 分钟 内迟到签到的，按现场号排队"},
		{"cancel", zh, "时段开始前 2 小时 之前"},
		{"booking limit", zh, "同时最多 1 个"},
		{"no-show penalty", zh, "14 天 内爽约 2 次，暂停预约 7 天"},
		{"no-show penalty in English", en, "2 missed within 14 days suspend booking for 7 days"},
		{"address", zh, "地址：河滨路 8 号"},
		{"address in English", en, "Address: 8 Riverside Road"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.text, tt.contains) {
				t.Errorf("rules page lacks %q", tt.contains)
			}
		})
	}
	for _, absent := range []string{"政务服务中心", "30 天", "综合受理", "值班长指示"} {
		if strings.Contains(zh, absent) {
			t.Errorf("rules page of the tax office says %q, which belongs to the demo hall", absent)
		}
	}
}

func TestRulesWithoutRealName(t *testing.T) {
	doc := strings.ReplaceAll(customHall, "@HASH@", hashed(t))
	doc = strings.Replace(doc, "per_identity_daily = 3\nreal_name = true\n", "", 1)
	doc = strings.Replace(doc, "hours = [\"08:30-12:00\", \"18:00-01:30\"]", "hours = []", 1)
	cfg, err := config.Parse([]byte(doc), "custom.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHall(t, cfg)
	_, body := h.get("/rules")
	zh := pageText(body, "zh")
	for _, want := range []string{"本大厅没有实名业务，取号时不收集身份证件号码。", "本大厅不设每人限额", "全天开放（00:00–24:00）"} {
		if !strings.Contains(zh, want) {
			t.Errorf("rules page lacks %q", want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d      time.Duration
		zh, en string
	}{
		{30 * time.Minute, "30 分钟", "30 minutes"},
		{time.Minute, "1 分钟", "1 minute"},
		{90 * time.Minute, "1 小时 30 分钟", "1 hour 30 minutes"},
		{720 * time.Hour, "30 天", "30 days"},
		{24 * time.Hour, "1 天", "1 day"},
		{25 * time.Hour, "25 小时", "25 hours"},
		{45 * time.Second, "45 秒", "45 seconds"},
		{0, "0", "0"},
	}
	for _, tt := range tests {
		got := duration(tt.d)
		if got.ZH != tt.zh || got.EN != tt.en {
			t.Errorf("duration(%v): got %q / %q, want %q / %q", tt.d, got.ZH, got.EN, tt.zh, tt.en)
		}
	}
}
