package main

import (
	"fmt"
	"time"
)

// lang is the language the kiosk speaks first. Chinese is the default; the
// switch on the home screen changes it for one applicant, and the kiosk
// returns to Chinese when it goes home.
type lang int

const (
	langZH lang = iota
	langEN
)

// other returns the second language.
func (l lang) other() lang { return 1 - l }

// msg is a text in Chinese and English.
type msg struct{ zh, en string }

// in returns the text in l, or in the other language when it has none in l.
func (m msg) in(l lang) string {
	if l == langEN && m.en != "" || m.zh == "" {
		return m.en
	}
	return m.zh
}

// msgf formats a message whose two texts take the same arguments.
func msgf(m msg, args ...any) msg {
	return msg{fmt.Sprintf(m.zh, args...), fmt.Sprintf(m.en, args...)}
}

// Texts of the screens.
var (
	txtSwitch       = msg{"English", "中文"}
	txtChoose       = msg{"请点选办理的业务，或按业务前的数字键", "Tap the service you need, or press its number key"}
	txtWaiting      = msg{"等候 %d 人", "%d waiting"}
	txtRealName     = msg{"须实名：身份证件", "ID document required"}
	txtOfflineLeft  = msg{"离线取号 · 备用号余 %d 个", "Offline · %d reserve numbers left"}
	txtOffline      = msg{"网络中断：可继续取号，号码由本机备用号发放，联网后自动登记排队", "Offline: numbers come from this kiosk's reserve and join the queue when the link returns"}
	txtOfflineSync  = msg{"有 %d 张离线小票待登记", "%d offline tickets waiting to be registered"}
	txtConnecting   = msg{"正在连接服务器…", "Connecting to the server…"}
	txtUnenrolled   = msg{"本机未获服务器认可（设备令牌无效），暂不能取号，请联系管理员", "The server does not accept this kiosk (device token). Please call the administrator"}
	txtPrinterIssue = msg{"打印机故障（%s），小票可能无法打印，可扫描屏幕上的二维码；已通知工作人员", "Printer problem (%s): receipts may not print; scan the code on screen. Staff have been told"}

	txtIDTitle      = msg{"请输入%[1]s", "Enter your %[2]s"}
	txtIDHint       = msg{"号码仅用于核对每人每日取号次数，不会显示或打印。", "Used only to check the daily limit per person; never shown or printed."}
	txtResidentHint = msg{"18位，末位可为X。", "18 characters, the last may be X. "}
	txtDocHint      = msg{"5至20位字母或数字，可用扫描枪或读卡器录入。", "5 to 20 letters or digits; a scanner or card reader may type it. "}
	txtIDCount      = msg{"已输入 %d / 18 位", "%d of 18 entered"}
	txtDocCount     = msg{"已输入 %d 位", "%d entered"}
	txtIDInvalid    = msg{"号码有误，请核对后重新输入", "This number is not valid. Please check it"}
	txtConfirm      = msg{"确认取号", "Take a number"}
	txtCancel       = msg{"返回", "Back"}
	txtClear        = msg{"清空", "Clear"}
	txtDelete       = msg{"删除", "Delete"}

	txtAccess    = msg{"无障碍：大字 语音", "Accessible: large, spoken"}
	txtAccessOff = msg{"退出无障碍模式", "Standard mode"}
	txtAccessOn  = msg{"已进入无障碍模式：大字、高对比度，并有语音提示。", "Accessible mode: large type, high contrast and spoken prompts."}
	txtKeyFor    = msg{"按 %d，%s。", "Press %d for %s."}
	txtSayNumber = msg{"您的号码是 %s，%s。请取走小票，留意叫号。", "Your number is %s, %s. Please take your receipt and listen for your number."}

	txtCheckIn           = msg{"预约签到", "Check in"}
	txtCheckInTitle      = msg{"预约签到：请输入%[1]s", "Check in: enter your %[2]s"}
	txtCheckInHint       = msg{"请选择预约时使用的证件并输入其号码。号码仅用于查找您今天的预约，不会显示或打印。", "Choose the document you booked with and enter its number. Used only to find today's booking; never shown or printed."}
	txtCheckInConfirm    = msg{"签到", "Check in"}
	txtCheckInOffline    = msg{"预约签到需要连接服务器，网络中断，请稍后再试或咨询工作人员", "Check-in needs the server, which cannot be reached now. Please try again later or ask staff"}
	txtCheckInUnanswered = msg{"未收到服务器答复，签到可能已完成。请稍后再签到一次：如已签到，将重新打印您的号码", "The server did not answer: you may be checked in already. Please check in again in a moment: if you are, your number is printed again"}
	txtReprint           = msg{"您此前已签到，这是您的号码（补打）", "You had checked in already: this is your number, printed again"}
	txtCheckInRefused    = msg{"未能签到", "Not checked in"}
	txtChooseBooking     = msg{"您今天有多个预约，请点选要签到的一个", "You have several bookings today: tap the one to check in"}
	txtCheckingIn        = msg{"正在签到，请稍候…", "Checking you in…"}

	txtIssuing = msg{"正在取号，请稍候…", "Taking your number…"}

	txtYourNumber = msg{"您的号码", "Your number"}
	txtAhead      = msg{"前面还有 %d 人", "%d people ahead of you"}
	txtAheadEst   = msg{"前面约有 %d 人", "About %d people ahead of you"}
	txtIssuedAt   = msg{"取号时间 %s", "Issued at %s"}
	txtScan       = msg{"手机扫码，随时查看叫号进度", "Scan to follow your place on your phone"}
	txtPrinting   = msg{"正在打印小票…", "Printing your receipt…"}
	txtTakeIt     = msg{"请取走小票，留意叫号", "Please take your receipt and listen for your number"}
	txtNoReceipt  = msg{"小票未能打印（%s）。请用手机扫描二维码，或记下您的号码。已通知工作人员。", "The receipt could not be printed (%s). Scan the QR code with your phone or note your number. Staff have been told."}
	txtOfflineTk  = msg{"离线取号：联网后自动登记排队，按取号时间排序", "Issued offline: it joins the queue by its issue time when the link returns"}
	txtDone       = msg{"完成", "Done"}
	txtTapHome    = msg{"点击屏幕返回首页", "Tap the screen to return"}

	txtPhoneOffer       = msg{"留下手机号，快到时短信提醒", "Leave a mobile number for an SMS when your turn is close"}
	txtPhoneFor         = msg{"您的号码 %s · %s", "Your number %s · %s"}
	txtPhoneHint        = msg{"仅用于本号的短信提醒（快到时、叫到时各一条），当日结束即删除；不打印，不显示在别处。不需要请按“跳过”。", "Used only for this number's text messages (one when your turn is close, one when you are called) and deleted at the end of the day; never printed or shown anywhere else. Not needed? Tap Skip."}
	txtPhoneCount       = msg{"已输入 %d / 11 位", "%d of 11 digits entered"}
	txtPhoneInvalid     = msg{"请输入11位手机号码（以13至19开头）", "Enter an 11-digit mobile number starting with 13 to 19"}
	txtPhoneSkip        = msg{"跳过", "Skip"}
	txtPhoneConfirm     = msg{"确认", "Confirm"}
	txtPhoneSending     = msg{"正在登记，请稍候…", "Registering…"}
	txtPhoneKept        = msg{"已登记：快到您时和叫到您时各发一条短信。", "Registered: you will get a text message when your turn is close and when you are called."}
	txtPhoneUnreachable = msg{"网络中断，手机号未能登记。请再试一次，或按“跳过”。", "The server cannot be reached: the number was not registered. Try again, or tap Skip."}
	txtPhoneOffline     = msg{"离线取号的号码不能登记短信提醒。", "Text reminders cannot be set for a number issued offline."}

	txtNotAvailable   = msg{"暂不能取号", "Not available now"}
	txtRealNameOff    = msg{"网络中断，实名业务暂停取号（无法核对每人限额），请咨询工作人员", "Offline: services that need an ID card are paused (the per-person limit cannot be checked). Please ask staff"}
	txtLeaseSpent     = msg{"网络中断，本机备用号已用完，暂不能取号，请咨询工作人员", "Offline, and this kiosk's reserve numbers are used up. Please ask staff"}
	txtNoLease        = msg{"网络中断，本机没有备用号，暂不能取号，请咨询工作人员", "Offline, and this kiosk holds no reserve numbers. Please ask staff"}
	txtClosed         = msg{"不在取号时间内（%s）", "Outside the hours for taking numbers (%s)"}
	txtFault          = msg{"取号失败，请稍后再试或咨询工作人员", "Something went wrong. Please try again or ask staff"}
	txtNotOffered     = msg{"本机不办理此项业务", "This kiosk does not issue this service"}
	txtOK             = msg{"知道了", "OK"}
	txtNoPrinterSetUp = msg{"未接打印机", "no printer"}
)

// printerProblems names the printer faults of printer.Code for applicants.
var printerProblems = map[string]msg{
	"paper_out":  {"缺纸", "out of paper"},
	"cover_open": {"纸仓盖未关", "cover open"},
	"offline":    {"打印机离线", "printer offline"},
	"fault":      {"打印机故障", "printer fault"},
	"no_reply":   {"打印机无响应", "printer not answering"},
	"link":       {"打印机未连接", "printer not connected"},
	"other":      {"打印机故障", "printer fault"},
}

// printerProblem names a printer code for applicants.
func printerProblem(code string) msg {
	if m, ok := printerProblems[code]; ok {
		return m
	}
	return printerProblems["other"]
}

// waitText says how long a wait of the given seconds is.
func waitText(seconds int) msg {
	if seconds <= 0 {
		return msg{"无需等候", "no wait"}
	}
	mins := (seconds + 59) / 60
	if mins < 60 {
		return msgf(msg{"约 %d 分钟", "about %d min"}, mins)
	}
	return msg{fmt.Sprintf("约 %d 小时 %d 分", mins/60, mins%60), fmt.Sprintf("about %d h %02d min", mins/60, mins%60)}
}

// clockText is a time of day on the screens, in the hall's zone.
func clockText(t time.Time) string { return t.Format("15:04") }
