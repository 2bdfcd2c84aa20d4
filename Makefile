# Each target runs the script that CI runs; see ci/.
.PHONY: test fmt lint bench

test:
	bash ci/test.sh

fmt:
	bash ci/fmt.sh

lint:
	bash ci/lint.sh

bench:
	bash ci/bench.sh
