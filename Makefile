# Shortcuts; each target runs the same script or command README.md documents.
.PHONY: demo test bench build fmt

demo:
	bash deploy/demo.sh

test:
	bash deploy/test.sh

# The benchmark figures of README.md.
bench:
	go test -run '^$$' -bench 'IssueTicket|BoltUpdateBaseline$$|Broadcast' -benchtime 5s ./server/engine/ ./server/stream/

build:
	mkdir -p bin
	go build -o bin/hallq-server ./server
	go build -o bin/printtest ./printer/cmd/printtest
	go build -o bin/virtualprinter ./printer/cmd/virtualprinter
	go build -o bin/hashpw ./server/config/cmd/hashpw
	go build -o bin/hallq-keygen ./server/cmd/keygen
	go build -o bin/hallq-verify ./server/cmd/hallq-verify
	go build -o bin/hallq-flood ./server/cmd/hallq-flood
	go build -o bin/hallq-city ./server/cmd/hallq-city
	go build -o bin/hallq-yearbench ./server/cmd/hallq-yearbench
	go build -o bin/hallq-kiosk ./kiosk
	go build -o bin/hallq-display ./display

fmt:
	gofmt -w $$(git ls-files '*.go')
