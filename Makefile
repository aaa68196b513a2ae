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

clean:
	$(if $(wildcard $(KDIR)),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(MAKE) -C lib clean
	$(MAKE) -C cli clean
	$(MAKE) -C vmm clean
	$(MAKE) -C selftests clean
	$(MAKE) -C bench clean
	rm -rf build

.PHONY: all module lib cli vmm selftests unit bench vmtest vmtest-qemu vmshell demo \
	check install clean
