# Included after the top-level Makefile by bench/Makefile to print the link
# flags libcfive.a needs (the top level's LIBS).
.PHONY: print-libs
print-libs:
	@echo $(LIBS)
