# cfive build. `make` builds build/libcfive.a, build/libcfive.so and
# build/cfive; `make check` runs every test; `make check SAN=address,undefined`
# runs them under sanitizers (in build-san/).
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
SAN ?=
WITH_ZLIB ?= 1
WITH_LIBDEFLATE ?= 1
WITH_LZ4 ?= 1
WITH_ZSTD ?= 1
WITH_BZIP2 ?= 1
WITH_LZO ?= 1
WITH_LIBAEC ?= 1

ifeq ($(SAN),)
B ?= build
SANFLAGS :=
else
B ?= build-san
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

SOVERSION := 0
VERSION := 0.1.0

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
BASEFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) $(SANFLAGS)
LIBFLAGS := -fPIC -fvisibility=hidden

# Optional libraries, found with pkg-config.
have = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo 1)
OPT_CFLAGS :=
OPT_LIBS :=
PC_REQ :=
ifeq ($(WITH_ZLIB)$(call have,zlib),11)
OPT_CFLAGS += -DC5_HAVE_ZLIB $(shell $(PKG_CONFIG) --cflags zlib)
OPT_LIBS += $(shell $(PKG_CONFIG) --libs zlib)
PC_REQ += zlib
endif
ifeq ($(WITH_LIBDEFLATE)$(call have,libdeflate),11)
OPT_CFLAGS += -DC5_HAVE_LIBDEFLATE $(shell $(PKG_CONFIG) --cflags libdeflate)
OPT_LIBS += $(shell $(PKG_CONFIG) --libs libdeflate)
PC_REQ += libdeflate
endif
ifeq ($(WITH_LZ4)$(call have,liblz4),11)
OPT_CFLAGS += -DC5_HAVE_LZ4 $(shell $(PKG_CONFIG) --cflags liblz4)
OPT_LIBS += $(shell $(PKG_CONFIG) --libs liblz4)
PC_REQ += liblz4
endif
ifeq ($(WITH_ZSTD)$(call have,libzstd),11)
OPT_CFLAGS += -DC5_HAVE_ZSTD $(shell $(PKG_CONFIG) --cflags libzstd)
OPT_LIBS += $(shell $(PKG_CONFIG) --libs libzstd)
PC_REQ += libzstd
endif

ifeq ($(WITH_LZO)$(call have,lzo2),11)
OPT_CFLAGS += -DC5_HAVE_LZO $(shell $(PKG_CONFIG) --cflags lzo2)
OPT_LIBS += $(shell $(PKG_CONFIG) --libs lzo2)
PC_REQ += lzo2
endif
# libbz2 and libaec ship no pkg-config file on Debian 12: probe the header.
hasheader = $(shell printf '\043include <$(1)>\n' | $(CC) -E - >/dev/null 2>&1 && echo 1)
ifeq ($(WITH_BZIP2)$(call hasheader,bzlib.h),11)
OPT_CFLAGS += -DC5_HAVE_BZIP2
OPT_LIBS += -lbz2
endif
ifeq ($(WITH_LIBAEC)$(call hasheader,szlib.h),11)
OPT_CFLAGS += -DC5_HAVE_LIBAEC
OPT_LIBS += -lsz -laec
endif

ALL_CFLAGS := $(BASEFLAGS) $(OPT_CFLAGS) $(CFLAGS)
LIBS := $(OPT_LIBS) -lpthread

LIB_SRC := $(wildcard src/*.c src/core/*.c src/format/*.c src/btree/*.c src/chunk/*.c src/filters/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := fuzz/walk.c

.PHONY: all bench deps clean check check-unit check-conformance check-api check-dump check-nolib check-fuzz check-mutate check-write check-dumptext install fuzz fixtures
all: $(B)/libcfive.a $(B)/libcfive.so $(B)/cfive

$(B)/obj/%.o: %.c $(wildcard include/*.h src/*.h src/*/*.h tools/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIBFLAGS) -c $< -o $@

$(B)/libcfive.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libcfive.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libcfive.so.$(SOVERSION) $(SANFLAGS) -o $@ $^ $(LIBS)

$(B)/cfive: $(TOOL_OBJ) $(B)/libcfive.a
	$(CC) $(SANFLAGS) -o $@ $(TOOL_OBJ) $(B)/libcfive.a $(LIBS)

# Installs build and test dependencies on Debian 12 (apt-get).
deps:
	tests/install_deps.sh

# ---- tests -----------------------------------------------------------------
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libcfive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< $(B)/libcfive.a $(CHECK_LIBS) $(LIBS)

$(B)/walk: fuzz/walk.c fuzz/walk_main.c fuzz/walk.h $(B)/libcfive.a
	$(CC) $(ALL_CFLAGS) -Ifuzz -o $@ fuzz/walk.c fuzz/walk_main.c $(B)/libcfive.a $(LIBS)

$(B)/mutate: tests/mutate.c fuzz/walk.c fuzz/walk.h $(B)/libcfive.a
	$(CC) $(ALL_CFLAGS) -Ifuzz -o $@ tests/mutate.c fuzz/walk.c $(B)/libcfive.a $(LIBS)

$(B)/apitest: tests/apitest.c $(B)/libcfive.a
	$(CC) $(ALL_CFLAGS) -o $@ tests/apitest.c $(B)/libcfive.a $(LIBS)

$(B)/writetest: tests/writetest.c $(B)/libcfive.a
	$(CC) $(ALL_CFLAGS) -o $@ tests/writetest.c $(B)/libcfive.a $(LIBS)

$(B)/filter_encode_tool: tests/filter_encode_tool.c $(B)/libcfive.a
	$(CC) $(ALL_CFLAGS) -o $@ tests/filter_encode_tool.c $(B)/libcfive.a $(LIBS)

$(B)/append_test: tests/append_test.c $(B)/libcfive.a
	$(CC) $(ALL_CFLAGS) -o $@ tests/append_test.c $(B)/libcfive.a $(LIBS)

check: all check-unit check-fuzz check-conformance check-api check-dump check-dumptext check-mutate check-write check-nolib
	@echo "all test groups passed"

# The generated fixtures (h5py, PyTables, netCDF4), which some unit suites
# read too; the scripts regenerate them by the same stamp.
GEN_STAMP := tests/fixtures/gen/.stamp
$(GEN_STAMP): tests/gen_fixtures.py
	rm -rf tests/fixtures/gen && /usr/bin/python3 tests/gen_fixtures.py tests/fixtures/gen && touch $@

check-unit: $(UNIT_BIN) $(GEN_STAMP)
	@set -e; for t in $(UNIT_BIN); do CK_FORK=no $$t; done

# Decoder harnesses, linked with a plain main() to replay their seeds.
DECODER_FUZZ := $(filter-out fuzz/fuzz_open.c,$(wildcard fuzz/fuzz_*.c))
DECODER_REPLAY := $(DECODER_FUZZ:fuzz/%.c=$(B)/replay/%)
$(B)/replay/%: fuzz/%.c fuzz/replay_main.c $(B)/libcfive.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-comment -Ifuzz -o $@ $< fuzz/replay_main.c $(B)/libcfive.a $(LIBS)

check-fuzz: $(B)/walk $(DECODER_REPLAY)
	B=$(B) tests/replay_corpus.sh
	@set -e; n=0; for h in $(DECODER_REPLAY); do \
		name=$${h##*/fuzz_}; \
		timeout 300 $$h fuzz/seeds/$$name/* || { echo "FAIL: $$h on fuzz/seeds/$$name"; exit 1; }; \
		n=$$((n + $$(ls fuzz/seeds/$$name | wc -l))); \
	done; echo "decoder seed replay: $$n passed, 0 failed"

check-conformance: $(B)/cfive
	B=$(B) tests/conformance_ls.sh

# The same library built with no optional codec library must still read
# deflate, shuffle, fletcher32, lzf and blosc (blosclz, lz4) data.
NOLIB := WITH_ZLIB=0 WITH_LIBDEFLATE=0 WITH_LZ4=0 WITH_ZSTD=0 WITH_BZIP2=0 WITH_LZO=0 WITH_LIBAEC=0
check-nolib:
	$(MAKE) B=$(B)-nolib $(NOLIB) SAN=$(SAN) check-unit
	CFIVE_NO_H5PY=1 $(MAKE) B=$(B)-nolib $(NOLIB) SAN=$(SAN) check-api

check-dump: $(B)/cfive
	B=$(B) tests/dump_b.sh
	B=$(B) tests/pytables_vs_cfive.sh

# cfive dump (text) against h5dump: no options, -H and -p on every fixture
# and HDF5 tools/testfiles file, plus option cases.
check-dumptext: $(B)/cfive
	B=$(B) tests/dump_text.sh
	B=$(B) tests/dump_subset.sh

check-api: $(B)/apitest
	B=$(B) tests/api_vs_h5py.sh

check-mutate: $(B)/mutate
	B=$(B) tests/mutate.sh

# Writing: appends to PyTables/h5py files; every API item checked by
# h5py, h5dump and h5wasm.
check-write: $(B)/append_test $(B)/writetest $(B)/filter_encode_tool
	/usr/bin/python3 tests/filter_encode_vs_h5py.py $(B)/filter_encode_tool
	tests/append.sh $(B)
	tests/write_roundtrip.sh $(B)
	B=$(B) tests/repack_roundtrip.sh

fixtures: $(GEN_STAMP)

# libFuzzer build of the open-and-walk harness.
fuzz: $(B)/fuzz_open
$(B)/fuzz_open: fuzz/fuzz_open.c fuzz/walk.c $(LIB_SRC)
	@mkdir -p $(B)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc -Ifuzz \
		$(OPT_CFLAGS) -o $@ fuzz/fuzz_open.c fuzz/walk.c $(LIB_SRC) $(LIBS)

# Benchmarks against libhdf5 (needs libhdf5-dev and h5py; not part of check).
bench: all
	$(MAKE) -C bench run

# ---- install -----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(B)/libcfive.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/libcfive.so $(DESTDIR)$(PREFIX)/lib/libcfive.so.$(VERSION)
	ln -sf libcfive.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libcfive.so.$(SOVERSION)
	ln -sf libcfive.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libcfive.so
	install -m 644 include/cfive.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(B)/cfive $(DESTDIR)$(PREFIX)/bin/
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: cfive\nDescription: HDF5 file format library\nVersion: %s\nRequires.private: %s\nLibs: -L$${libdir} -lcfive\nLibs.private: $(OPT_LIBS) -lpthread\nCflags: -I$${includedir}\n' \
		'$(PREFIX)' '$(VERSION)' '$(PC_REQ)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/cfive.pc

clean:
	rm -rf build build-san
