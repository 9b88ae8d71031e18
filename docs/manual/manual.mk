# docs/manual/manual.mk: `make docs` renders the manual (docs/*.md with
# docs/index.md as its index, README.md, BENCHMARKS.md) to HTML in
# build/docs/ with Debian's pandoc, and fails on a broken link between
# pages (docs/manual/build.sh).  Included by the Makefile.
DOCS_SRCS = $(wildcard docs/*.md) README.md BENCHMARKS.md \
            docs/manual/build.sh docs/manual/links.lua docs/manual/check_links.py

docs: build/docs/index.html

build/docs/index.html: $(DOCS_SRCS) docs/directives.md
	@sh t/deps.sh pandoc
	sh docs/manual/build.sh build/docs
