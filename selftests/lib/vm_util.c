// SPDX-License-Identifier: GPL-2.0
/*
 * vm_util: VMs, memory regions and vCPUs for the selftests (see
 * vm_util.h).
 */
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vm_util.h"

#define VM_MAX_ALLOCS	64

/* Host memory the library mapped for regions, unmapped by vm_free(). */
struct vm_allocs {
	unsigned int n;
	void *p[VM_MAX_ALLOCS];
	size_t size[VM_MAX_ALLOCS];
};

static struct vm_allocs *vm_allocs(struct vm *vm)
{
	return (struct vm_allocs *)(vm + 1);
}

int altp2m_open_dev(void)
{
	int fd = open(ALTP2M_DEV, O_RDWR | O_CLOEXEC);
	int version;

	TEST_ASSERT(fd >= 0, "cannot open %s", ALTP2M_DEV);
	version = ioctl(fd, ALTP2M_GET_API_VERSION, 0);
	TEST_ASSERT(version == ALTP2M_API_VERSION,
		    "module speaks API %d, the tests API %d", version,
		    ALTP2M_API_VERSION);
	return fd;
}

static struct vm *vm_new(void)
{
	struct vm *vm = calloc(1, sizeof(*vm) + sizeof(struct vm_allocs));

	TEST_ASSERT(vm, "out of memory");
	vm->dev_fd = -1;
	vm->fd = -1;
	return vm;
}

struct vm *vm_new_offline(void *ram, uint64_t ram_size)
{
	struct vm *vm = vm_new();

	vm->ram = ram;
	vm->ram_size = ram_size;
	vm->run_size = PAGE_SIZE;
	vm_region_track(vm, 0, 0, ram_size, ram);
	vm->alloc_next = GUEST_SYS_END;
	vm->alloc_end = ram_size;
	return vm;
}

struct vm *vm_create_bare(void)
{
	struct altp2m_create_vm cvm = { 0 };
	struct vm *vm = vm_new();
	int size;

	vm->dev_fd = altp2m_open_dev();
	vm->fd = ioctl(vm->dev_fd, ALTP2M_CREATE_VM, &cvm);
	TEST_ASSERT(vm->fd >= 0, "ALTP2M_CREATE_VM failed");
	vm->id = cvm.vm_id;
	size = ioctl(vm->dev_fd, ALTP2M_GET_RUN_SIZE, 0);
	TEST_ASSERT(size >= (int)sizeof(struct altp2m_run),
		    "ALTP2M_GET_RUN_SIZE returned %d, struct altp2m_run "
		    "has %zu bytes", size, sizeof(struct altp2m_run));
	vm->run_size = (size_t)size;
	return vm;
}

/* Anonymous memory, @align aligned (a power of two), zeroed. */
static void *host_alloc(struct vm *vm, size_t size, size_t align)
{
	struct vm_allocs *a = vm_allocs(vm);
	char *p, *q;

	TEST_ASSERT(a->n < VM_MAX_ALLOCS, "too many region allocations");
	p = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap of %zu bytes", size + align);
	q = (char *)ALIGN_UP((uintptr_t)p, align);
	if (q > p)
		munmap(p, (size_t)(q - p));
	if (q + size < p + size + align)
		munmap(q + size, (size_t)(p + size + align - (q + size)));
	a->p[a->n] = q;
	a->size[a->n++] = size;
	return q;
}

struct vm *vm_create(uint64_t mem_size)
{
	struct vm *vm;

	if (!mem_size)
		mem_size = DEFAULT_GUEST_MEM;
	TEST_ASSERT(IS_ALIGNED(mem_size, PAGE_SIZE) &&
		    mem_size >= GUEST_SYS_END && mem_size <= GUEST_MAP_SIZE,
		    "bad guest memory size %#llx",
		    (unsigned long long)mem_size);
	vm = vm_create_bare();
	vm->ram = vm_add_region(vm, 0, 0, mem_size);
	vm->ram_size = mem_size;
	vm_load_self(vm);
	vm_setup_system(vm);
	vm->alloc_next = ALIGN_UP(vm->image.hi, PAGE_SIZE);
	vm->alloc_end = mem_size;
	return vm;
}

struct vm *vm_create_lapic(void)
{
	struct altp2m_create_vm c = { .flags = ALTP2M_VM_LAPIC };
	struct vm *vm = vm_create(0);
	struct altp2m_memory_region r = {
		.slot = 0, .memory_size = vm->ram_size,
		.userspace_addr = (uintptr_t)vm->ram,
	};
	int fd = ioctl(vm->dev_fd, ALTP2M_CREATE_VM, &c);

	TEST_ASSERT(fd >= 0, "ALTP2M_CREATE_VM with ALTP2M_VM_LAPIC");
	TEST_ASSERT(!ioctl(fd, ALTP2M_SET_MEMORY_REGION, &r), "slot 0");
	close(vm->fd);
	vm->fd = fd;
	vm->id = c.vm_id;
	return vm;
}

void vm_free(struct vm *vm)
{
	struct vm_allocs *a;
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		struct vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		if (vcpu->run)
			munmap(vcpu->run, vm->run_size);
		if (vcpu->fd >= 0)
			close(vcpu->fd);
		free(vcpu);
	}
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
	a = vm_allocs(vm);
	for (i = 0; i < a->n; i++)
		munmap(a->p[i], a->size[i]);
	free(vm);
}

int vm_check_image(const struct elf_image *img, uint64_t ram_size,
		   char *err, size_t errlen)
{
	if (img->type != ET_EXEC) {
		snprintf(err, errlen,
			 "the test binary is %s (e_type %u), not ET_EXEC: "
			 "guest code runs at the addresses it is linked at, "
			 "so build the test with -fno-pie and link it "
			 "-static -no-pie",
			 img->type == ET_DYN ? "position-independent (ET_DYN)"
					     : "not an executable",
			 img->type);
		return -ENOEXEC;
	}
	if (img->lo < GUEST_SYS_END) {
		snprintf(err, errlen,
			 "the test binary starts at %#llx, inside the guest "
			 "system area [0, %#llx)",
			 (unsigned long long)img->lo,
			 (unsigned long long)GUEST_SYS_END);
		return -ERANGE;
	}
	if (img->hi > ram_size) {
		snprintf(err, errlen,
			 "the test binary ends at %#llx, beyond the %#llx "
			 "bytes of guest RAM",
			 (unsigned long long)img->hi,
			 (unsigned long long)ram_size);
		return -ERANGE;
	}
	return 0;
}

void vm_load_self(struct vm *vm)
{
	char err[512];
	int fd, ret;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "cannot open /proc/self/exe");
	ret = elf_parse(fd, &vm->image, err, sizeof(err));
	TEST_ASSERT(!ret, "/proc/self/exe: %s", err);
	ret = vm_check_image(&vm->image, vm->ram_size, err, sizeof(err));
	TEST_ASSERT(!ret, "%s", err);
	ret = elf_load(fd, &vm->image, 0, vm->ram, 0, vm->ram_size, err,
		       sizeof(err));
	TEST_ASSERT(!ret, "/proc/self/exe: %s", err);
	close(fd);
}

void vm_setup_system(struct vm *vm)
{
	TEST_ASSERT(vm->ram && vm->ram_size >= GUEST_SYS_END,
		    "no RAM for the system area");
	x86_build_page_tables(vm->ram);
	x86_build_gdt(vm->ram);
	x86_build_tss(vm->ram);
	x86_build_idt(vm->ram, guest_exception_entries);
}

/* ---------------------------------------------------------------- memory */

void vm_region_track(struct vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, void *hva)
{
	struct vm_region *r;

	TEST_ASSERT(slot < ALTP2M_MAX_MEM_SLOTS, "slot %u", slot);
	r = &vm->regions[slot];
	if (!size) {
		r->used = false;
		return;
	}
	r->used = true;
	r->gpa = gpa;
	r->size = size;
	r->hva = hva;
}

int __vm_set_memory_region(struct vm *vm, uint32_t slot, uint32_t flags,
			   uint64_t gpa, uint64_t size, void *hva)
{
	struct altp2m_memory_region mr = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};
	int ret = ioctl(vm->fd, ALTP2M_SET_MEMORY_REGION, &mr);

	if (!ret && slot < ALTP2M_MAX_MEM_SLOTS)
		vm_region_track(vm, slot, gpa, size, hva);
	return ret;
}

void vm_set_memory_region(struct vm *vm, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva)
{
	int ret = __vm_set_memory_region(vm, slot, 0, gpa, size, hva);

	TEST_ASSERT(!ret, "ALTP2M_SET_MEMORY_REGION slot %u gpa %#llx size "
		    "%#llx hva %p failed", slot, (unsigned long long)gpa,
		    (unsigned long long)size, hva);
}

void *vm_add_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		    uint64_t size)
{
	void *hva;

	TEST_ASSERT(slot < ALTP2M_MAX_MEM_SLOTS && !vm->regions[slot].used,
		    "slot %u is in use or out of range", slot);
	hva = host_alloc(vm, size, HPAGE_SIZE);
	vm_set_memory_region(vm, slot, gpa, size, hva);
	return hva;
}

void vm_delete_region(struct vm *vm, uint32_t slot)
{
	TEST_ASSERT(slot < ALTP2M_MAX_MEM_SLOTS && vm->regions[slot].used,
		    "slot %u is not in use", slot);
	vm_set_memory_region(vm, slot, vm->regions[slot].gpa, 0,
			     vm->regions[slot].hva);
}

void vm_move_region(struct vm *vm, uint32_t slot, uint64_t new_gpa)
{
	struct vm_region *r;

	TEST_ASSERT(slot < ALTP2M_MAX_MEM_SLOTS && vm->regions[slot].used,
		    "slot %u is not in use", slot);
	r = &vm->regions[slot];
	vm_set_memory_region(vm, slot, new_gpa, r->size, r->hva);
}

void *addr_gpa2hva_range(struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		struct vm_region *r = &vm->regions[i];
		uint64_t off;

		if (!r->used || gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		if (off >= r->size || len > r->size - off)
			continue;
		return (char *)r->hva + off;
	}
	return NULL;
}

void *addr_gpa2hva(struct vm *vm, uint64_t gpa)
{
	void *hva = addr_gpa2hva_range(vm, gpa, 1);

	TEST_ASSERT(hva, "gpa %#llx is not in any memory region",
		    (unsigned long long)gpa);
	return hva;
}

void *addr_gva2hva(struct vm *vm, uint64_t gva)
{
	TEST_ASSERT(gva >= PAGE_SIZE && gva < GUEST_MAP_SIZE,
		    "gva %#llx is not mapped by the guest page tables",
		    (unsigned long long)gva);
	return addr_gpa2hva(vm, gva);
}

uint64_t vm_alloc(struct vm *vm, uint64_t size, uint64_t align)
{
	uint64_t gpa;

	if (!align)
		align = PAGE_SIZE;
	TEST_ASSERT(!(align & (align - 1)), "alignment %#llx",
		    (unsigned long long)align);
	gpa = ALIGN_UP(vm->alloc_next, align);
	TEST_ASSERT(gpa >= vm->alloc_next && gpa <= vm->alloc_end &&
		    size <= vm->alloc_end - gpa,
		    "guest RAM exhausted: %#llx bytes wanted at %#llx, RAM "
		    "ends at %#llx", (unsigned long long)size,
		    (unsigned long long)gpa,
		    (unsigned long long)vm->alloc_end);
	vm->alloc_next = gpa + size;
	memset(addr_gpa2hva(vm, gpa), 0, size);
	return gpa;
}

void vm_read_str(struct vm *vm, uint64_t gva, char *buf, size_t len)
{
	size_t i;

	if (!len)
		return;
	for (i = 0; i + 1 < len; i++) {
		const char *c = NULL;

		if (gva >= PAGE_SIZE && gva + i < GUEST_MAP_SIZE)
			c = addr_gpa2hva_range(vm, gva + i, 1);
		if (!c) {
			snprintf(buf, len, "<bad address %#llx>",
				 (unsigned long long)gva);
			return;
		}
		buf[i] = *c;
		if (!*c)
			return;
	}
	buf[i] = '\0';
}

/* ----------------------------------------------------------------- views */

void vm_caps(struct vm *vm, struct altp2m_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	TEST_ASSERT(!ioctl(vm->dev_fd, ALTP2M_GET_CAPS, caps),
		    "ALTP2M_GET_CAPS");
}

void vm_stats(struct vm *vm, struct altp2m_vm_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	TEST_ASSERT(!ioctl(vm->fd, ALTP2M_GET_VM_STATS, stats),
		    "ALTP2M_GET_VM_STATS");
}

int __vm_views_enable(struct vm *vm, uint32_t max_views)
{
	struct altp2m_views_enable e = { .max_views = max_views };

	return ioctl(vm->fd, ALTP2M_VIEWS_ENABLE, &e);
}

void vm_views_enable(struct vm *vm, uint32_t max_views)
{
	TEST_ASSERT(!__vm_views_enable(vm, max_views),
		    "ALTP2M_VIEWS_ENABLE (max_views %u)", max_views);
}

int __vm_views_disable(struct vm *vm)
{
	return ioctl(vm->fd, ALTP2M_VIEWS_DISABLE, 0);
}

void vm_views_disable(struct vm *vm)
{
	TEST_ASSERT(!__vm_views_disable(vm), "ALTP2M_VIEWS_DISABLE");
}

int __vm_view_create(struct vm *vm, uint16_t default_access, uint16_t *view)
{
	struct altp2m_view_create c = { .default_access = default_access };
	int ret = ioctl(vm->fd, ALTP2M_CREATE_VIEW, &c);

	if (!ret)
		*view = c.view;
	return ret;
}

uint16_t vm_view_create(struct vm *vm, uint16_t default_access)
{
	uint16_t view = 0;

	TEST_ASSERT(!__vm_view_create(vm, default_access, &view),
		    "ALTP2M_CREATE_VIEW (default access %u)", default_access);
	return view;
}

int __vm_view_destroy(struct vm *vm, uint32_t view)
{
	struct altp2m_view_destroy d = { .view = view };

	return ioctl(vm->fd, ALTP2M_DESTROY_VIEW, &d);
}

void vm_view_destroy(struct vm *vm, uint32_t view)
{
	TEST_ASSERT(!__vm_view_destroy(vm, view), "ALTP2M_DESTROY_VIEW %u",
		    view);
}

/* ALTP2M_SET_MEM_ACCESS and ALTP2M_SET_SUPPRESS_VE over a range. */
static int vm_gfn_set_range(struct vm *vm, unsigned long cmd, uint32_t view,
			    uint64_t gfn, uint64_t npages, uint8_t value)
{
	struct altp2m_gfn_set s = {
		.view = view,
		.gfn = gfn,
		.npages = npages,
		.value = value,
	};

	return ioctl(vm->fd, cmd, &s);
}

int __vm_set_mem_access(struct vm *vm, uint32_t view, uint64_t gfn,
			uint64_t npages, uint8_t access)
{
	return vm_gfn_set_range(vm, ALTP2M_SET_MEM_ACCESS, view, gfn, npages,
				access);
}

int __vm_set_suppress_ve(struct vm *vm, uint32_t view, uint64_t gfn,
			 uint64_t npages, uint8_t sve)
{
	return vm_gfn_set_range(vm, ALTP2M_SET_SUPPRESS_VE, view, gfn, npages,
				sve);
}

void vm_set_suppress_ve(struct vm *vm, uint32_t view, uint64_t gfn,
			uint64_t npages, uint8_t sve)
{
	TEST_ASSERT(!__vm_set_suppress_ve(vm, view, gfn, npages, sve),
		    "ALTP2M_SET_SUPPRESS_VE view %u gfn %#llx npages %llu "
		    "sve %u", view, (unsigned long long)gfn,
		    (unsigned long long)npages, sve);
}

int __vm_switch_view(struct vm *vm, uint32_t view, int vcpu_id)
{
	struct altp2m_switch_view a = { .view = view };

	if (vcpu_id >= 0) {
		a.flags = ALTP2M_SWITCH_ONE_VCPU;
		a.vcpu_id = vcpu_id;
	}
	return ioctl(vm->fd, ALTP2M_SWITCH_VIEW, &a);
}

int __vm_set_view_visibility(struct vm *vm, uint32_t view, int vcpu_id,
			     bool visible)
{
	struct altp2m_view_visibility a = {
		.view = view,
		.visible = visible,
	};

	if (vcpu_id >= 0) {
		a.flags = ALTP2M_VISIBILITY_ONE_VCPU;
		a.vcpu_id = vcpu_id;
	}
	return ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a);
}

void vm_set_mem_access(struct vm *vm, uint32_t view, uint64_t gfn,
		       uint64_t npages, uint8_t access)
{
	TEST_ASSERT(!__vm_set_mem_access(vm, view, gfn, npages, access),
		    "ALTP2M_SET_MEM_ACCESS view %u gfn %#llx npages %llu "
		    "access %u", view, (unsigned long long)gfn,
		    (unsigned long long)npages, access);
}

int __vm_set_mem_access_list(struct vm *vm, uint32_t view,
			     const uint64_t *gfns, const uint8_t *access,
			     uint64_t n)
{
	struct altp2m_gfn_set s = {
		.flags = ALTP2M_GFN_SET_LIST,
		.view = view,
		.npages = n,
		.gfns = (uint64_t)(uintptr_t)gfns,
		.values = (uint64_t)(uintptr_t)access,
	};

	return ioctl(vm->fd, ALTP2M_SET_MEM_ACCESS, &s);
}

void vm_set_mem_access_list(struct vm *vm, uint32_t view,
			    const uint64_t *gfns, const uint8_t *access,
			    uint64_t n)
{
	TEST_ASSERT(!__vm_set_mem_access_list(vm, view, gfns, access, n),
		    "ALTP2M_SET_MEM_ACCESS view %u, list of %llu gfns", view,
		    (unsigned long long)n);
}

int __vm_get_mem_access(struct vm *vm, uint32_t view, uint64_t gfn,
			uint8_t *access)
{
	struct altp2m_gfn_get g = { .view = view, .gfn = gfn };
	int ret = ioctl(vm->fd, ALTP2M_GET_MEM_ACCESS, &g);

	if (!ret)
		*access = g.access;
	return ret;
}

uint8_t vm_get_mem_access(struct vm *vm, uint32_t view, uint64_t gfn)
{
	uint8_t access = 0xff;

	TEST_ASSERT(!__vm_get_mem_access(vm, view, gfn, &access),
		    "ALTP2M_GET_MEM_ACCESS view %u gfn %#llx", view,
		    (unsigned long long)gfn);
	return access;
}

int __vm_remap_gfn(struct vm *vm, uint32_t view, uint64_t gfn,
		   uint64_t target)
{
	struct altp2m_gfn_remap r = {
		.view = view,
		.gfn = gfn,
		.target = target,
	};

	return ioctl(vm->fd, ALTP2M_REMAP_GFN, &r);
}

void vm_remap_gfn(struct vm *vm, uint32_t view, uint64_t gfn,
		  uint64_t target)
{
	TEST_ASSERT(!__vm_remap_gfn(vm, view, gfn, target),
		    "ALTP2M_REMAP_GFN view %u gfn %#llx target %#llx", view,
		    (unsigned long long)gfn, (unsigned long long)target);
}

int __vm_list_views(struct vm *vm, uint32_t *cursor,
		    struct altp2m_view_info *entries, uint32_t *nr)
{
	struct altp2m_view_list l = {
		.cursor = *cursor,
		.nr = *nr,
		.entries = (uint64_t)(uintptr_t)entries,
	};
	int ret = ioctl(vm->fd, ALTP2M_LIST_VIEWS, &l);

	if (ret >= 0) {
		*cursor = l.cursor;
		*nr = l.nr;
	}
	return ret;
}

/* The uAPI gives the count in @nr; the return value is only >= 0. */
uint32_t vm_list_views(struct vm *vm, uint32_t *cursor,
		       struct altp2m_view_info *entries, uint32_t nr)
{
	uint32_t room = nr;

	TEST_ASSERT(__vm_list_views(vm, cursor, entries, &nr) >= 0,
		    "ALTP2M_LIST_VIEWS cursor %u nr %u", *cursor, room);
	TEST_ASSERT(nr <= room, "ALTP2M_LIST_VIEWS wrote %u of %u entries",
		    nr, room);
	return nr;
}

int __vm_dump_view(struct vm *vm, uint32_t view, uint64_t *cursor,
		   struct altp2m_view_entry *entries, uint32_t *nr)
{
	struct altp2m_view_dump d = {
		.view = view,
		.cursor = *cursor,
		.nr = *nr,
		.entries = (uint64_t)(uintptr_t)entries,
	};
	int ret = ioctl(vm->fd, ALTP2M_DUMP_VIEW, &d);

	if (ret >= 0) {
		*cursor = d.cursor;
		*nr = d.nr;
	}
	return ret;
}

uint32_t vm_dump_view(struct vm *vm, uint32_t view, uint64_t *cursor,
		      struct altp2m_view_entry *entries, uint32_t nr)
{
	uint32_t room = nr;

	TEST_ASSERT(__vm_dump_view(vm, view, cursor, entries, &nr) >= 0,
		    "ALTP2M_DUMP_VIEW view %u cursor %#llx nr %u", view,
		    (unsigned long long)*cursor, room);
	TEST_ASSERT(nr <= room, "ALTP2M_DUMP_VIEW wrote %u of %u entries",
		    nr, room);
	return nr;
}

int __vcpu_set_view(struct vcpu *vcpu, uint32_t view)
{
	struct altp2m_vcpu_view v = { .view = view };

	return ioctl(vcpu->fd, ALTP2M_SET_VCPU_VIEW, &v);
}

void vcpu_set_view(struct vcpu *vcpu, uint32_t view)
{
	TEST_ASSERT(!__vcpu_set_view(vcpu, view),
		    "ALTP2M_SET_VCPU_VIEW %u on vCPU %u", view, vcpu->id);
}

uint32_t vcpu_get_view(struct vcpu *vcpu)
{
	struct altp2m_vcpu_view v = { .view = ~0U };

	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_GET_VCPU_VIEW, &v),
		    "ALTP2M_GET_VCPU_VIEW on vCPU %u", vcpu->id);
	return v.view;
}

/* ----------------------------------------------------------------- vCPUs */

int __vm_create_vcpu(struct vm *vm, uint32_t id)
{
	struct altp2m_create_vcpu c = { .vcpu_id = id };

	return ioctl(vm->fd, ALTP2M_CREATE_VCPU, &c);
}

struct vcpu *vcpu_add_bare(struct vm *vm, uint32_t id)
{
	struct vcpu *vcpu;
	void *run;
	int fd;

	TEST_ASSERT(id < ALTP2M_MAX_VCPUS && !vm->vcpus[id],
		    "vCPU id %u is in use or out of range", id);
	fd = __vm_create_vcpu(vm, id);
	TEST_ASSERT(fd >= 0, "ALTP2M_CREATE_VCPU %u failed", id);
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	TEST_ASSERT(run != MAP_FAILED, "mmap of vCPU %u's run area (%zu "
		    "bytes)", id, vm->run_size);
	vcpu = calloc(1, sizeof(*vcpu));
	TEST_ASSERT(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = fd;
	vcpu->run = run;
	vm->vcpus[id] = vcpu;
	return vcpu;
}

void vcpu_setup(struct vcpu *vcpu, void *guest_fn)
{
	struct vm *vm = vcpu->vm;
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;
	uint64_t stack, rsp;

	stack = vm_alloc(vm, GUEST_STACK_SIZE, PAGE_SIZE);
	vcpu->stack_top = stack + GUEST_STACK_SIZE;
	/* As if called: a return address, and rsp + 8 16-byte aligned. */
	rsp = vcpu->stack_top - 8;
	*(uint64_t *)addr_gpa2hva(vm, rsp) =
		(uint64_t)(uintptr_t)guest_return_trampoline;

	x86_sregs_long_mode(&sregs);
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = (uint64_t)(uintptr_t)guest_fn;
	regs.rsp = rsp;
	regs.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
}

struct vcpu *vcpu_add(struct vm *vm, uint32_t id, void *guest_fn)
{
	struct vcpu *vcpu;

	TEST_ASSERT(vm->ram, "vcpu_add() needs a VM from vm_create()");
	vcpu = vcpu_add_bare(vm, id);
	vcpu_setup(vcpu, guest_fn);
	return vcpu;
}

void vcpu_args_set(struct vcpu *vcpu, unsigned int n, ...)
{
	struct altp2m_regs regs;
	__u64 *slots[6] = { &regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx,
			       &regs.r8, &regs.r9 };
	unsigned int i;
	va_list ap;

	TEST_ASSERT(n <= 6, "%u arguments, at most 6 go in registers", n);
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		*slots[i] = va_arg(ap, uint64_t);
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

int _vcpu_run(struct vcpu *vcpu)
{
	return ioctl(vcpu->fd, ALTP2M_RUN, 0);
}

void vcpu_run(struct vcpu *vcpu)
{
	int ret;

	for (;;) {
		ret = _vcpu_run(vcpu);
		if (ret != -1 || errno != EINTR)
			break;
		TEST_ASSERT(!READ_ONCE(vcpu->run->immediate_exit),
			    "vCPU %u: immediate_exit is set, ALTP2M_RUN "
			    "would return EINTR forever (use _vcpu_run())",
			    vcpu->id);
	}
	TEST_ASSERT(ret == 0, "ALTP2M_RUN on vCPU %u returned %d", vcpu->id,
		    ret);
}

bool vcpu_exit_sane(const struct altp2m_run *run, uint64_t run_size)
{
	uint64_t bytes;

	switch (run->exit_reason) {
	case ALTP2M_EXIT_IO:
		bytes = (uint64_t)run->io.count * run->io.size;
		return (run->io.size == 1 || run->io.size == 2 ||
			run->io.size == 4) && run->io.direction <= 1 &&
		       run->io.count && bytes <= 3072 &&
		       run->io.data_offset >= sizeof(*run) &&
		       run->io.data_offset + bytes <= run_size;
	case ALTP2M_EXIT_MMIO:
		return run->mmio.len >= 1 && run->mmio.len <= 8 &&
		       run->mmio.is_write <= 1;
	default:
		return run->exit_reason < ALTP2M_EXIT_NR;
	}
}

int __vcpu_ioctl(struct vcpu *vcpu, unsigned long cmd, void *arg)
{
	return ioctl(vcpu->fd, cmd, arg);
}

void vcpu_regs_get(struct vcpu *vcpu, struct altp2m_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_GET_REGS, regs),
		    "ALTP2M_GET_REGS on vCPU %u", vcpu->id);
}

void vcpu_regs_set(struct vcpu *vcpu, const struct altp2m_regs *regs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_SET_REGS, regs),
		    "ALTP2M_SET_REGS on vCPU %u", vcpu->id);
}

void vcpu_sregs_get(struct vcpu *vcpu, struct altp2m_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_GET_SREGS, sregs),
		    "ALTP2M_GET_SREGS on vCPU %u", vcpu->id);
}

void vcpu_sregs_set(struct vcpu *vcpu, const struct altp2m_sregs *sregs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_SET_SREGS, sregs),
		    "ALTP2M_SET_SREGS on vCPU %u", vcpu->id);
}

int _vcpu_msrs(struct vcpu *vcpu, unsigned long cmd,
	       struct altp2m_msr_entry *e, uint32_t n)
{
	struct altp2m_msrs m = {
		.nmsrs = n,
		.entries = (uint64_t)(uintptr_t)e,
	};

	return ioctl(vcpu->fd, cmd, &m);
}

/*
 * The uAPI does not say what a successful MSR call returns; 0 and the
 * number of entries are both taken as success.
 */
void vcpu_msrs_get(struct vcpu *vcpu, struct altp2m_msr_entry *e,
		   uint32_t n)
{
	int ret = _vcpu_msrs(vcpu, ALTP2M_GET_MSRS, e, n);

	TEST_ASSERT(ret == 0 || ret == (int)n,
		    "ALTP2M_GET_MSRS (%u entries, first %#x) on vCPU %u "
		    "returned %d", n, n ? e[0].index : 0, vcpu->id, ret);
}

void vcpu_msrs_set(struct vcpu *vcpu, const struct altp2m_msr_entry *e,
		   uint32_t n)
{
	int ret = _vcpu_msrs(vcpu, ALTP2M_SET_MSRS,
			     (struct altp2m_msr_entry *)e, n);

	TEST_ASSERT(ret == 0 || ret == (int)n,
		    "ALTP2M_SET_MSRS (%u entries, first %#x) on vCPU %u "
		    "returned %d", n, n ? e[0].index : 0, vcpu->id, ret);
}

uint64_t vcpu_get_msr(struct vcpu *vcpu, uint32_t index)
{
	struct altp2m_msr_entry e = { .index = index };

	vcpu_msrs_get(vcpu, &e, 1);
	return e.value;
}

void vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct altp2m_msr_entry e = { .index = index, .value = value };

	vcpu_msrs_set(vcpu, &e, 1);
}

void vcpu_stats(struct vcpu *vcpu, struct altp2m_vcpu_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_GET_VCPU_STATS, stats),
		    "ALTP2M_GET_VCPU_STATS on vCPU %u", vcpu->id);
}

void vcpu_set_rip(struct vcpu *vcpu, uint64_t rip)
{
	struct altp2m_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rip = rip;
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_set_if(struct vcpu *vcpu, bool on)
{
	struct altp2m_regs regs;

	vcpu_regs_get(vcpu, &regs);
	if (on)
		regs.rflags |= X86_RFLAGS_IF;
	else
		regs.rflags &= ~X86_RFLAGS_IF;
	vcpu_regs_set(vcpu, &regs);
}

void *vcpu_io_data(struct vcpu *vcpu)
{
	struct altp2m_run *run = vcpu->run;
	uint64_t len = (uint64_t)run->io.size * run->io.count;
	uint64_t off = run->io.data_offset;

	TEST_ASSERT(run->exit_reason == ALTP2M_EXIT_IO,
		    "vCPU %u: exit reason %s, not IO", vcpu->id,
		    exit_reason_str(run->exit_reason));
	TEST_ASSERT(off <= vcpu->vm->run_size &&
		    len <= vcpu->vm->run_size - off,
		    "vCPU %u: I/O data [%llu, +%llu) outside the %zu-byte run "
		    "area", vcpu->id, (unsigned long long)off,
		    (unsigned long long)len, vcpu->vm->run_size);
	return (char *)run + off;
}

/* ----------------------------------------------------------------- exits */

const char *exit_reason_str(uint32_t reason)
{
	static const char *const names[ALTP2M_EXIT_NR] = {
		[ALTP2M_EXIT_UNKNOWN] = "UNKNOWN",
		[ALTP2M_EXIT_IO] = "IO",
		[ALTP2M_EXIT_MMIO] = "MMIO",
		[ALTP2M_EXIT_HLT] = "HLT",
		[ALTP2M_EXIT_HYPERCALL] = "HYPERCALL",
		[ALTP2M_EXIT_SHUTDOWN] = "SHUTDOWN",
		[ALTP2M_EXIT_EPT_MISCONFIG] = "EPT_MISCONFIG",
		[ALTP2M_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[ALTP2M_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[ALTP2M_EXIT_INTR] = "INTR",
		[ALTP2M_EXIT_VIEW_VIOLATION] = "VIEW_VIOLATION",
	};

	return reason < ALTP2M_EXIT_NR ? names[reason] : "(out of range)";
}

void vcpu_describe_exit(struct vcpu *vcpu, char *buf, size_t len)
{
	const struct altp2m_run *run = vcpu->run;
	struct altp2m_regs regs = { 0 };
	size_t n;
	unsigned int i;

	n = (size_t)snprintf(buf, len, "exit %s (%u)",
			     exit_reason_str(run->exit_reason),
			     run->exit_reason);
#define ADD(...)							\
	do {								\
		if (n < len)						\
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
	} while (0)
	switch (run->exit_reason) {
	case ALTP2M_EXIT_IO:
		ADD(": %s port %#x size %u count %u data_offset %llu",
		    run->io.direction == ALTP2M_IO_OUT ? "OUT" : "IN",
		    run->io.port, run->io.size, run->io.count,
		    (unsigned long long)run->io.data_offset);
		if (run->io.direction == ALTP2M_IO_OUT && run->io.size <= 8 &&
		    run->io.data_offset + run->io.size <= vcpu->vm->run_size) {
			ADD(" data");
			for (i = 0; i < run->io.size; i++)
				ADD(" %02x", ((const uint8_t *)run)
					    [run->io.data_offset + i]);
		}
		break;
	case ALTP2M_EXIT_MMIO:
		ADD(": %s gpa %#llx len %u", run->mmio.is_write ? "write" :
		    "read", (unsigned long long)run->mmio.gpa, run->mmio.len);
		if (run->mmio.is_write) {
			ADD(" data");
			for (i = 0; i < run->mmio.len && i < 8; i++)
				ADD(" %02x", run->mmio.data[i]);
		}
		break;
	case ALTP2M_EXIT_HYPERCALL:
		ADD(": nr %#llx args %#llx %#llx %#llx %#llx %#llx",
		    (unsigned long long)run->hypercall.nr,
		    (unsigned long long)run->hypercall.args[0],
		    (unsigned long long)run->hypercall.args[1],
		    (unsigned long long)run->hypercall.args[2],
		    (unsigned long long)run->hypercall.args[3],
		    (unsigned long long)run->hypercall.args[4]);
		break;
	case ALTP2M_EXIT_FAIL_ENTRY:
		ADD(": hardware reason %llu qualification %#llx",
		    (unsigned long long)run->fail_entry.hardware_reason,
		    (unsigned long long)run->fail_entry.qualification);
		break;
	case ALTP2M_EXIT_INTERNAL_ERROR:
		ADD(": suberror %u ndata %u", run->internal.suberror,
		    run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 8; i++)
			ADD(" %#llx",
			    (unsigned long long)run->internal.data[i]);
		break;
	case ALTP2M_EXIT_EPT_MISCONFIG:
		ADD(": gpa %#llx", (unsigned long long)run->ept_misconfig.gpa);
		break;
	case ALTP2M_EXIT_VIEW_VIOLATION:
		ADD(": view %u gpa %#llx gla %#llx access %#x entry_access %u "
		    "flags %#x qualification %#llx", run->violation.view,
		    (unsigned long long)run->violation.gpa,
		    (unsigned long long)run->violation.gla,
		    run->violation.access, run->violation.entry_access,
		    run->violation.flags,
		    (unsigned long long)run->violation.qualification);
		break;
	}
	if (!ioctl(vcpu->fd, ALTP2M_GET_REGS, &regs))
		ADD(", rip %#llx", (unsigned long long)regs.rip);
#undef ADD
}

void __assert_exit_reason(struct vcpu *vcpu, uint32_t reason,
			  const char *file, int line)
{
	char desc[1024];
	struct ucall uc;

	if (vcpu->run->exit_reason == reason)
		return;
	/* A failed guest assertion explains more than "exit IO". */
	if (get_ucall(vcpu, &uc) != UCALL_NONE)
		ucall_describe(vcpu->vm, &uc, desc, sizeof(desc));
	else
		vcpu_describe_exit(vcpu, desc, sizeof(desc));
	test_assert_fail(file, line, "exit reason", 0,
			 "vCPU %u: expected exit %s, got %s", vcpu->id,
			 exit_reason_str(reason), desc);
}

uint64_t guest_wait_started, guest_wait_go;

void guest_wait_release(void)
{
	WRITE_ONCE(guest_wait_started, 1);
	while (!READ_ONCE(guest_wait_go))
		cpu_relax();
	GUEST_SYNC(1);
}
