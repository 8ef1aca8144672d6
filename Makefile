# The two commands of the README, and the steps they share.
.PHONY: run test install proto frontend bench clean

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

install:
	@bash scripts/install.sh

proto:
	@.venv/bin/python -m chat_common.codegen

frontend:
	@bash scripts/install.sh --frontend

clean:
	rm -rf .venv chat_common/gen frontend/node_modules frontend/dist data test-output
