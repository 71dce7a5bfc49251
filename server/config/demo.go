package config

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// DemoSecrets are the credentials of the demo hall, generated afresh by each call
// of Demo. The Config holds only their hashes; the server writes these to
// <data>/demo-credentials.json so that whoever runs the demo can sign in.
type DemoSecrets struct {
	KioskToken   string      `json:"kiosk_token"`   // bearer token of device "kiosk-1"
	DisplayToken string      `json:"display_token"` // bearer token of device "display-hall"
	Staff        []DemoLogin `json:"staff"`
}

// DemoLogin is a staff sign-in of the demo hall.
type DemoLogin struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Windows  []string `json:"windows"` // the windows this person may sign in to
}

// Demo returns the built-in demo hall, which the server runs when started without
// a configuration file: a government service centre with four services and four
// windows, open at all hours so that a demonstration works at any time, and fresh
// random credentials for its two staff, its kiosk and its hall display.
func Demo() (*Config, DemoSecrets, error) {
	return demo(bcrypt.DefaultCost, DemoSecrets{})
}

// DemoWith returns the demo hall with the credentials of an earlier run, so that
// a restarted demo server still accepts the kiosks, displays and staff that used
// them. Credentials missing from prev are generated afresh.
func DemoWith(prev DemoSecrets) (*Config, DemoSecrets, error) {
	return demo(bcrypt.DefaultCost, prev)
}

// demo builds the demo hall with password hashes of the given bcrypt cost. It goes
// through Parse, so the demo is held to the same rules as any hall's file.
func demo(cost int, prev DemoSecrets) (*Config, DemoSecrets, error) {
	var sec DemoSecrets
	var kioskSum, displaySum string
	sec.KioskToken, kioskSum = NewDeviceToken()
	if len(prev.KioskToken) >= 16 {
		sec.KioskToken, kioskSum = prev.KioskToken, TokenSHA256(prev.KioskToken)
	}
	sec.DisplayToken, displaySum = NewDeviceToken()
	if len(prev.DisplayToken) >= 16 {
		sec.DisplayToken, displaySum = prev.DisplayToken, TokenSHA256(prev.DisplayToken)
	}
	replace := []string{"@KIOSK_SHA256@", kioskSum, "@DISPLAY_SHA256@", displaySum}
	for _, user := range []string{"wang", "li", "zhou"} {
		pw := newPassword()
		for _, p := range prev.Staff {
			if p.Username == user && len(p.Password) >= 10 {
				pw = p.Password
			}
		}
		hash, err := hashPassword(pw, cost)
		if err != nil {
			return nil, DemoSecrets{}, fmt.Errorf("config: demo hall: %w", err)
		}
		sec.Staff = append(sec.Staff, DemoLogin{Username: user, Password: pw})
		replace = append(replace, "@"+strings.ToUpper(user)+"_HASH@", hash)
	}
	cfg, err := Parse([]byte(strings.NewReplacer(replace...).Replace(demoTOML)), "(demo hall)")
	if err != nil {
		return nil, DemoSecrets{}, fmt.Errorf("config: demo hall: %w", err)
	}
	// The demo makes its own keys in the data directory; a hall's file names them.
	cfg.Keys.Create = true
	for i := range sec.Staff {
		s, ok := cfg.StaffByUsername(sec.Staff[i].Username)
		if !ok {
			return nil, DemoSecrets{}, fmt.Errorf("config: demo hall: no staff %q", sec.Staff[i].Username)
		}
		sec.Staff[i].Windows = s.Windows
	}
	return cfg, sec, nil
}

// demoTOML is the demo hall. The @…@ placeholders are replaced by fresh hashes.
const demoTOML = `
[hall]
id = "demo"
name_zh = "政务服务中心（演示）"
name_en = "Government Service Center (demo)"
address = "示例市人民路 1 号 政务服务中心一楼大厅"
address_en = "Hall, 1st floor, Government Service Center, 1 Renmin Road, Example City"
supervision_office = "示例市政务服务管理办公室监督科"
supervision_office_en = "Supervision Section, Example City Government Service Office"
supervision_address = "示例市人民路 1 号 政务服务中心三楼 302 室"
supervision_address_en = "Room 302, 3rd floor, Government Service Center, 1 Renmin Road"
supervision_phone = "0571-12345678"
supervision_email = "jiandu@example.gov.cn"
time_zone = "Asia/Shanghai"
# 凌晨 4 点前取的号算前一个服务日。A ticket taken before 04:00 belongs to the previous service day.
day_start = "04:00"
# 演示大厅全天开放。The demo hall is always open, so that a demonstration works at any time.
hours = []

[[services]]
id = "general"
name_zh = "综合受理"
name_en = "General affairs"
prefix = "A"
daily_cap = 300
avg_service = "5m"
description_zh = "各类政务服务事项的咨询、受理与材料预审。"
description_en = "Enquiries, applications and document pre-checks for all government services."

[[services]]
id = "social"
name_zh = "社保医保"
name_en = "Social & medical insurance"
prefix = "B"
daily_cap = 200
per_identity_daily = 2
real_name = true
avg_service = "8m"
description_zh = "社会保险、医疗保险的参保登记、转移接续与待遇申领。须凭有效身份证件取号。"
description_en = "Enrolment, transfer and benefit claims for social and medical insurance. Identity document required."

[[services]]
id = "estate"
name_zh = "不动产登记"
name_en = "Real estate registration"
prefix = "C"
daily_cap = 120
avg_service = "15m"
description_zh = "不动产首次登记、转移登记、抵押登记及登记资料查询。"
description_en = "First, transfer and mortgage registration of real estate, and register searches."

[[services]]
id = "exit-entry"
name_zh = "出入境"
name_en = "Exit & entry"
prefix = "D"
daily_cap = 150
per_identity_daily = 1
real_name = true
avg_service = "10m"
description_zh = "护照、往来港澳台通行证及签注的申请。须凭有效身份证件取号。"
description_en = "Passports, travel permits to Hong Kong, Macao and Taiwan, and endorsements. Identity document required."
# 可网上预约：每天 08:30-17:30 每半小时 4 个号，提前 7 天于 08:00 放号。
# Bookable online: 4 places every half hour, 08:30-17:30, released 7 days ahead at 08:00.
[services.appointments]
prefix = "YD"
slot_length = "30m"
capacity = 4
hours = ["08:30-12:00", "13:00-17:30"]
days_ahead = 7
release_at = "08:00"
walk_in_share = 50
cancel_before = "1h"
check_in_before = "30m"
check_in_after = "15m"
late_until = "1h"
per_identity_active = 2
per_identity_daily = 1
no_show_limit = 3
no_show_window = "720h"
suspension = "720h"

[[windows]]
id = "1"
name_zh = "1号窗口"
name_en = "Window 1"
primary = ["general"]
secondary = ["social"]
[windows.card]
name = "王芳"
name_en = "Wang Fang"
title = "综合受理员"
title_en = "General affairs clerk"
unit = "政务服务中心综合受理科"
unit_en = "General Affairs Section, Government Service Center"
duties = "受理综合类政务服务事项，提供办事咨询与材料预审，协助社保医保业务。"
duties_en = "Receives general applications, answers enquiries, pre-checks documents; helps with insurance matters."

[[windows]]
id = "2"
name_zh = "2号窗口"
name_en = "Window 2"
primary = ["social"]
secondary = ["general"]
[windows.card]
name = "李娜"
name_en = "Li Na"
title = "社保经办员"
title_en = "Social insurance officer"
unit = "市社会保险事业管理中心驻厅窗口"
unit_en = "City Social Insurance Center, hall office"
duties = "办理社会保险、医疗保险参保登记、关系转移和待遇申领。"
duties_en = "Handles insurance enrolment, transfers and benefit claims."

[[windows]]
id = "3"
name_zh = "3号窗口"
name_en = "Window 3"
primary = ["estate"]
secondary = ["general"]
[windows.card]
name = "张伟"
name_en = "Zhang Wei"
title = "不动产登记员"
title_en = "Real estate registrar"
unit = "市不动产登记中心驻厅窗口"
unit_en = "City Real Estate Registration Center, hall office"
duties = "办理不动产首次、转移、变更、抵押登记及登记资料查询。"
duties_en = "Handles first, transfer, change and mortgage registrations and register searches."

[[windows]]
id = "4"
name_zh = "4号窗口"
name_en = "Window 4"
primary = ["exit-entry"]
secondary = ["social"]
[windows.card]
name = "刘洋"
name_en = "Liu Yang"
title = "出入境业务受理员"
title_en = "Exit & entry officer"
unit = "市公安局出入境管理支队驻厅窗口"
unit_en = "Exit & Entry Administration, City Public Security Bureau, hall office"
duties = "受理护照、往来港澳台通行证及签注申请，协助社保医保业务。"
duties_en = "Receives passport, travel permit and endorsement applications; helps with insurance matters."

[[staff]]
username = "wang"
name = "王芳"
name_en = "Wang Fang"
password_hash = "@WANG_HASH@"
windows = ["1", "3"]
role = "staff"

[[staff]]
username = "li"
name = "李娜"
name_en = "Li Na"
password_hash = "@LI_HASH@"
windows = ["2", "4"]
role = "staff"

[[staff]]
username = "zhou"
name = "周敏"
name_en = "Zhou Min"
password_hash = "@ZHOU_HASH@"
role = "supervisor"

[feedback]
rating_period = "2h"
follow_up_days = 15
holidays = ["2027-01-01"]

[[devices]]
id = "kiosk-1"
kind = "kiosk"
name = "大厅入口取号机 Entrance kiosk"
token_sha256 = "@KIOSK_SHA256@"

[[devices]]
id = "display-hall"
kind = "display"
name = "大厅综合屏 Hall board"
token_sha256 = "@DISPLAY_SHA256@"

[[priority_classes]]
id = "elderly"
name_zh = "老年人"
name_en = "Elderly"
self_declared = true
description_zh = "70 周岁以上老年人，凭身份证件。"
description_en = "People aged 70 or over, with an identity document."

[[priority_classes]]
id = "disabled"
name_zh = "残疾人"
name_en = "People with disabilities"
description_zh = "持残疾人证或有明显行动不便者。"
description_en = "Holders of a disability certificate, or people with evident mobility difficulties."

[[priority_classes]]
id = "pregnant"
name_zh = "孕妇"
name_en = "Pregnant women"
self_declared = true
description_zh = "孕期妇女。"
description_en = "Women who are pregnant."

[[priority_classes]]
id = "military"
name_zh = "军人、消防救援人员"
name_en = "Military & fire rescue personnel"
description_zh = "现役军人、消防救援人员依法优先，凭有效证件。"
description_en = "Active service members and fire rescue personnel have priority by law, with a valid card."

[[manual_reasons]]
code = "supervisor"
name_zh = "值班长指示"
name_en = "Instructed by the duty supervisor"

[[manual_reasons]]
code = "accessibility"
name_zh = "无障碍协助"
name_en = "Accessibility assistance"

[[manual_reasons]]
code = "correction"
name_zh = "系统故障更正"
name_en = "Correction after a system fault"

[[manual_reasons]]
code = "returned"
name_zh = "补办材料返回"
name_en = "Returned with missing documents"

[rules]
reinstate_within = "30m"
reinstate_after = 2
min_samples = 3
lease_size = 10

[[notices]]
text_zh = "本系统为演示大厅，号码与数据仅供体验。"
text_en = "This is a demonstration hall; numbers and data are for trying the system only."

[[notices]]
text_zh = "请留意叫号，过号可在 30 分钟内到原窗口申请恢复排队。"
text_en = "Please listen for your number. If you miss it, ask at the window within 30 minutes to rejoin the queue."

# The demo is driven by scripts and load tests as well as by people: its kiosk
# may issue as fast as the server allows.
[limits]
tickets_per_kiosk_per_minute = 10000
`
