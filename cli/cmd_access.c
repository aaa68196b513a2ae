// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl access set|get, sve set|get, remap, revert: entries of a
 * view, one gfn, a range, or a --file list; and hidden add|remove, the
 * frames outside guest RAM that remaps may target.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"

/* The file's entries as one batch: a batch is applied whole or not at all. */
static int bulk_batch(const struct cli_cmd *c, enum cli_bulk_kind kind,
		      const struct cli_bulk *bk,
		      struct altp2m_batch_builder **bp)
{
	struct altp2m_batch_builder *b = NULL;
	size_t i;
	int ret;

	ret = altp2m_batch_new(&b);
	for (i = 0; !ret && i < bk->n; i++) {
		if (kind == CLI_BULK_ACCESS)
			ret = altp2m_batch_set_access(b, c->view, bk->gfns[i],
						      1, bk->vals[i]);
		else
			ret = altp2m_batch_set_sve(b, c->view, bk->gfns[i], 1,
						   bk->vals[i]);
	}
	if (ret) {
		altp2m_batch_free(b);
		errno = -ret;
		return cli_fail("vm %u: %s", c->vm, c->file);
	}
	*bp = b;
	return CLI_EXIT_OK;
}

/*
 * The whole file is parsed before the VM is even attached, and then
 * committed as one batch: a typo on line 900, or a gfn the module
 * refuses there, must not leave lines 1-899 applied, through either door.
 */
static int set_from_file(const struct cli_cmd *c, enum cli_bulk_kind kind)
{
	bool is_stdin = !strcmp(c->file, "-");
	char err[512] = "";
	struct altp2m_batch_builder *batch = NULL;
	struct cli_bulk b;
	struct altp2m_vm *vm;
	FILE *f;
	int ret;

	f = is_stdin ? stdin : fopen(c->file, "r");
	if (!f)
		return cli_fail("%s", c->file);
	ret = cli_bulk_parse(f, is_stdin ? "<stdin>" : c->file, kind,
			     ALTP2M_GFN_LIST_MAX, &b, err, sizeof(err));
	if (!is_stdin)
		fclose(f);
	if (ret) {
		fprintf(stderr, "%s: %s\n", CLI_NAME, err);
		return ret == -CLI_PERR_NOMEM || ret == -CLI_PERR_IO ?
		       CLI_EXIT_FAIL : CLI_EXIT_USAGE;
	}
	if (!b.n)
		return CLI_EXIT_OK;	/* nothing but comments */
	ret = bulk_batch(c, kind, &b, &batch);
	cli_bulk_free(&b);
	if (ret)
		return ret;
	vm = cli_attach(c->vm);
	if (!vm) {
		altp2m_batch_free(batch);
		return CLI_EXIT_FAIL;
	}
	ret = CLI_EXIT_OK;
	if (altp2m_vm_batch_commit(vm, batch, NULL, NULL) < 0) {
		/* Operation N is the file's Nth entry (ranges expanded). */
		fprintf(stderr, "%s: vm %u: %s: %s\n", CLI_NAME, c->vm,
			is_stdin ? "<stdin>" : c->file, altp2m_vm_errmsg(vm));
		ret = CLI_EXIT_FAIL;
	}
	altp2m_vm_close(vm);
	altp2m_batch_free(batch);
	return ret;
}

int cmd_access_set(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm;
	int ret = CLI_EXIT_OK;

	(void)o;
	if (c->file)
		return set_from_file(c, CLI_BULK_ACCESS);
	vm = cli_attach(c->vm);
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_set_access(vm, c->view, c->gfn, c->npages,
				 c->access) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

int cmd_sve_set(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm;
	int ret = CLI_EXIT_OK;

	(void)o;
	if (c->file)
		return set_from_file(c, CLI_BULK_SVE);
	vm = cli_attach(c->vm);
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_set_sve(vm, c->view, c->gfn, c->npages, c->on) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

static const struct cli_field entry_rows[] = {
	CLI_FIELD("vm_id", "vm"),
	CLI_FIELD("view", "view"),
	CLI_FIELD("gfn", "gfn"),
	CLI_FIELD("access", "access"),
	CLI_FIELD_BOOL("sve", "sve", "on", "off"),
};

/* access get and sve get: the kernel answers both in one call. */
int cmd_access_get(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;
	unsigned int access;
	bool sve;

	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_get_access(vm, c->view, c->gfn, &access, &sve) < 0) {
		ret = cli_fail_vm(vm);
	} else {
		const struct cli_val v[ARRAY_SIZE(entry_rows)] = {
			CLI_U64(c->vm), CLI_U64(c->view), CLI_GFN(c->gfn),
			CLI_STR(altp2m_access_name(access)), CLI_BOOL(sve),
		};

		if (cli_show(o, entry_rows, ARRAY_SIZE(entry_rows), v))
			ret = cli_fail("gfn 0x%" PRIx64, c->gfn);
	}
	altp2m_vm_close(vm);
	return ret;
}

int cmd_remap(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_remap(vm, c->view, c->gfn, c->target) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

int cmd_revert(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_revert(vm, c->view, c->gfn) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

int cmd_hidden_add(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_hidden_add(vm, c->gfn, c->npages) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

int cmd_hidden_remove(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_hidden_remove(vm, c->gfn, c->npages) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}
