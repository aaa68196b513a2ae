# SPDX-License-Identifier: GPL-2.0
#
# altp2m top-level build.
#
#   make              module (against KDIR), libaltp2m, altp2mctl,
#                     altp2m-run, selftests
#   make check        every test tier; ends with "N passed, N failed"
#   make unit         userspace unit tests only (seconds)
#   make bench        the view engine's benchmark (userspace; prints figures)
#   make vmtest       the in-VM selftests under Bochs (VMX); EXTRA=dir adds
#                     programs to the VM
#   make vmtest-qemu  the no-VMX tier under QEMU TCG
#   make vmshell      boot Bochs with everything and give a shell
#   make demo         boot the module in Bochs and show what it found
#   make install      libaltp2m + altp2mctl + altp2m-run (PREFIX, DESTDIR;
#                     WERROR=0 STATIC=0 for a distribution's build)
#   make dkms-install the module's source in /usr/src/altp2m-VERSION, added
#                     to DKMS, built and installed for the running kernel
#                     (DKMS_FLAGS: e.g. "-k KVER", or the scratch trees of
#                     tools/check-dkms); rebuilt by DKMS on kernel updates
#   make dkms-remove  the reverse
#   make deb          Debian packages in build/deb/ (altp2m-dkms,
#                     libaltp2m1, libaltp2m-dev, altp2mctl, altp2m-run)
#   make version      the release version every package carries
#   make clean
#
# KDIR defaults to the running kernel's build tree when there is one, else
# the Debian kernel tools/fetch-kernel.sh cached in $(ALTP2M_CACHE). The cache
# lives outside the tree because kbuild's clean of an external module
# deletes every *.ko below it.

ALTP2M_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/altp2m
export ALTP2M_CACHE
KVER ?= $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
		    $(ALTP2M_CACHE)/kernels/default/build)
# The project's own build: -Werror, and altp2mctl and altp2m-run static
# for the test VM's initramfs. `make -C lib`, `make -C cli` and `make -C
# vmm` alone default to neither (WERROR=0, STATIC=0), for distributions.
WERROR ?= 1
STATIC ?= 1
USERFLAGS := WERROR=$(WERROR) STATIC=$(STATIC)
VMTEST := tools/vmtest/vmtest
VMARGS := --module $(CURDIR)/altp2m.ko --tests $(CURDIR)/build/selftests \
	  $(if $(EXTRA),--extra $(abspath $(EXTRA)))

# One version for the module's DKMS source, the library and every
# package: the library's release, from its version script's newest node
# (LIBALTP2M_<major>.<minor> -> <major>.<minor>.0), as lib/Makefile does.
VERSION := $(shell sed -n 's/^LIBALTP2M_\([0-9][0-9.]*\)[ \t]*{.*/\1/p' \
		lib/libaltp2m.map | sort -V | tail -n 1).0

all: module lib cli vmm selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

lib:
	$(MAKE) -C lib $(USERFLAGS)

cli: lib
	$(MAKE) -C cli $(USERFLAGS)

vmm:
	$(MAKE) -C vmm $(USERFLAGS)

selftests: cli vmm
	$(MAKE) -C selftests $(USERFLAGS)

unit:
	$(MAKE) -C selftests/unit run

bench:
	$(MAKE) -C bench run

vmtest: all
	$(VMTEST) --emulator bochs $(VMARGS)

vmtest-qemu: all
	$(VMTEST) --emulator qemu $(VMARGS)

vmshell: all
	$(VMTEST) --emulator bochs --shell $(VMARGS)

demo:
	tools/demo

check:
	tools/check

install: lib cli vmm
	$(MAKE) -C lib install $(USERFLAGS)
	$(MAKE) -C cli install $(USERFLAGS)
	$(MAKE) -C vmm install $(USERFLAGS)

version:
	@echo $(VERSION)

# What DKMS needs to build the module: the Kbuild, the module's and the
# uAPI's sources, nothing a build left behind.
DKMS ?= dkms
DKMS_SOURCE_TREE ?= /usr/src
DKMS_FLAGS ?=
DKMS_SRC = $(DESTDIR)$(DKMS_SOURCE_TREE)/altp2m-$(VERSION)
DKMS_FILES = Kbuild LICENSE $(shell find kmod uapi -type f ! -name '.*' \
	! -name '*.o' ! -name '*.ko' ! -name '*.mod' ! -name '*.mod.c' \
	! -name '*.cmd' ! -name '*.a' ! -name 'modules.order' | LC_ALL=C sort)

dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

# Added afresh each time, so that a second install of the same version
# takes the new source.
dkms-install: dkms-source
	-$(DKMS) remove $(DKMS_FLAGS) altp2m/$(VERSION) --all >/dev/null 2>&1
	$(DKMS) add $(DKMS_FLAGS) --sourcetree $(DKMS_SOURCE_TREE) altp2m/$(VERSION)
	$(DKMS) install $(DKMS_FLAGS) --sourcetree $(DKMS_SOURCE_TREE) altp2m/$(VERSION)

dkms-remove:
	$(DKMS) remove $(DKMS_FLAGS) altp2m/$(VERSION) --all
	rm -rf $(DKMS_SRC)

deb:
	tools/build-deb $(VERSION)

clean:
	$(if $(wildcard $(KDIR)),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(MAKE) -C lib clean
	$(MAKE) -C cli clean
	$(MAKE) -C vmm clean
	$(MAKE) -C selftests clean
	$(MAKE) -C bench clean
	rm -rf build

.PHONY: all module lib cli vmm selftests unit bench vmtest vmtest-qemu vmshell demo \
	check install version dkms-source dkms-install dkms-remove deb clean
