# Targets: test (vet + tests), lint, data (make Fashion-MNIST available), train (the
# full default LeNet run). See README.md.
GO ?= go
OUT ?= out

.PHONY: test lint data train

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

data:
	./scripts/data.sh

train: data
	$(GO) run ./cmd/train -out $(OUT)
