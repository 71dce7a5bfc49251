package web

import (
	"strings"
	"testing"

	"hallq/server/config"
)

func TestRulesDescribeTheDraw(t *testing.T) {
	conf := strings.ReplaceAll(customHall, "@HASH@", hashed(t))
	conf = strings.Replace(conf, `suspension = "168h"`, "suspension = \"168h\"\nlottery_window = \"90m\"", 1)
	cfg, err := config.Parse([]byte(conf), "custom.toml")
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHall(t, cfg)
	_, body := h.get("/rules")
	zh, en := pageText(body, "zh"), pageText(body, "en")
	for _, want := range []struct{ text, contains string }{
		{zh, "抽签分配：放号后 1 小时 30 分钟 内接受申请"},
		{en, "drawn by lottery: applications for 1 hour 30 minutes from the release"},
		{zh, `SHA-256(种子 + ":" + 申请编号)`},
		{en, `compute SHA-256(seed + ":" + application ID) in hex`},
		{en, "the hash of that event in the chain (64 lower-case hex digits) is the seed of the draw"},
		{en, "hallq-verify re-runs every draw"},
	} {
		if !strings.Contains(want.text, want.contains) {
			t.Errorf("the rules page lacks %q", want.contains)
		}
	}
	// Without a lottery, the page says nothing of draws.
	cfg, err = config.Parse([]byte(strings.ReplaceAll(customHall, "@HASH@", hashed(t))), "custom.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, body = newTestHall(t, cfg).get("/rules")
	if strings.Contains(body, "SHA-256(") {
		t.Errorf("the rules page describes a draw no service makes")
	}
}
