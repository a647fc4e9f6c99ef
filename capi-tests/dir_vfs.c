/*
 * Files and directories, in a temporary directory: lws_dir (entries in name order with
 * their LDOT_* types, the stop on a nonzero callback), lws_dir_glob_cb with an
 * lws_dir_glob_t, lws_dir_rm_rf_cb; the vfs layer: lws_get_fops (the platform table:
 * _lws_plat_file_open, _lws_plat_file_close, _lws_plat_file_seek_cur,
 * _lws_plat_file_read, _lws_plat_file_write), lws_vfs_file_open (and its choice of a
 * chained fops by path signature), lws_vfs_tell, lws_vfs_get_length,
 * lws_vfs_get_mod_time, lws_vfs_file_seek_set, lws_vfs_file_seek_end, and the fields of
 * struct lws_fop_fd.
 */
/* lws-diff: ours-only `^(lws_dir returned|rm_rf walk)`: lws 4.3 returns 1 from a completed walk and 0 from a stopped one, 4.1.6 the reverse */
#include <libwebsockets.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[64];
static size_t tmplen;

static const char *
rel(const char *path)
{
	return strncmp(path, tmp, tmplen) ? path : path + tmplen;
}

static const char *
tname(int t)
{
	static const char *n[] = { "UNKNOWN", "FILE", "DIR", "LINK", "FIFO",
				   "SOCKET", "CHAR", "BLOCK" };

	return t >= 0 && t < 8 ? n[t] : "?";
}

static int
list_cb(const char *dirpath, void *user, struct lws_dir_entry *lde)
{
	int *stop_after = (int *)user;

	printf("  %s: %s %s\n", rel(dirpath), lde->name, tname((int)lde->type));

	return stop_after && !--*stop_after;
}

static int
glob_found(void *data, const char *path)
{
	printf("  %s: %s\n", (const char *)data, rel(path));

	return 0;
}

static void
mkfile(const char *name, const char *content)
{
	char p[128];
	FILE *f;

	lws_snprintf(p, sizeof(p), "%s/%s", tmp, name);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

/* a second fops, chained after the platform one, claiming "*.zip/..." paths */
static const char *seen_vpath;
static const struct lws_plat_file_ops *seen_fops;

static lws_fop_fd_t
zip_open(const struct lws_plat_file_ops *fops, const char *filename,
	 const char *vpath, lws_fop_flags_t *flags)
{
	(void)flags;
	seen_fops = fops;
	seen_vpath = vpath;
	printf("  zip_open: %s vpath '%s'\n", rel(filename), vpath ? vpath : "(null)");

	return NULL;
}

static lws_fileofs_t
rec_seek_cur(lws_fop_fd_t fop_fd, lws_fileofs_t ofs)
{
	printf("  seek_cur called with %lld at pos %llu\n", (long long)ofs,
	       (unsigned long long)fop_fd->pos);

	return 0;
}

int
main(void)
{
	struct lws_context_creation_info info;
	struct lws_plat_file_ops *fops, head, zip, rec;
	struct lws_context *cx;
	lws_fop_flags_t flags;
	lws_filepos_t amount;
	struct lws_fop_fd fake;
	lws_dir_glob_t g;
	lws_fop_fd_t f;
	uint8_t buf[32];
	char p[128], q[128];
	int n, stop;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	strcpy(tmp, "/tmp/lws-dir-vfs-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	tmplen = strlen(tmp);

	mkfile("b.txt", "bee");
	mkfile("a.txt", "ay");
	mkfile("c.log", "log");
	mkfile("note.txt~", "backup");
	lws_snprintf(p, sizeof(p), "%s/sub", tmp);
	mkdir(p, 0700);
	mkfile("sub/x.txt", "x");
	lws_snprintf(p, sizeof(p), "%s/link", tmp);
	if (symlink("b.txt", p))
		return 1;
	lws_snprintf(p, sizeof(p), "%s/pipe", tmp);
	if (mkfifo(p, 0600))
		return 1;
	/* a directory outside, reached by a symlink inside: rm -rf must not empty it */
	lws_snprintf(q, sizeof(q), "%s-keep", tmp);
	mkdir(q, 0700);
	lws_snprintf(p, sizeof(p), "%s-keep/kept", tmp);
	fclose(fopen(p, "w"));
	lws_snprintf(p, sizeof(p), "%s/dirlink", tmp);
	if (symlink(q, p))
		return 1;

	printf("lws_dir:\n");
	n = lws_dir(tmp, NULL, list_cb);
	printf("lws_dir returned %d\n", n);

	stop = 2;
	printf("lws_dir stopping at the 2nd:\n");
	n = lws_dir(tmp, &stop, list_cb);
	printf("lws_dir returned %d\n", n);

	lws_snprintf(p, sizeof(p), "%s/nonesuch", tmp);
	printf("lws_dir on a missing dir: %d\n", lws_dir(p, NULL, list_cb));

	g.filter = "*.txt";
	g.cb = glob_found;
	g.user = (void *)"*.txt";
	printf("glob *.txt:\n");
	lws_dir(tmp, &g, lws_dir_glob_cb);
	g.filter = "b*t";
	g.user = (void *)"b*t";
	printf("glob b*t:\n");
	lws_dir(tmp, &g, lws_dir_glob_cb);
	g.filter = "b.txt";
	g.user = (void *)"b.txt";
	printf("glob b.txt (no '*': lws matches nothing):\n");
	lws_dir(tmp, &g, lws_dir_glob_cb);

	/* the vfs layer */
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	cx = lws_create_context(&info);
	if (!cx)
		return 1;
	fops = lws_get_fops(cx);
	printf("fops: open %d close %d seek_cur %d read %d write %d next %d sig %d\n",
	       fops->open == _lws_plat_file_open, fops->close == _lws_plat_file_close,
	       fops->seek_cur == _lws_plat_file_seek_cur,
	       fops->read == _lws_plat_file_read,
	       fops->write == _lws_plat_file_write, fops->next == NULL,
	       fops->fi[0].sig == NULL);

	lws_snprintf(p, sizeof(p), "%s/data", tmp);
	flags = O_CREAT | O_TRUNC | O_RDWR;
	f = lws_vfs_file_open(fops, p, &flags);
	if (!f)
		return 1;
	printf("create: fops %d flags %d pos %llu len %llu priv %d fd %d\n",
	       f->fops == fops, f->flags == (lws_fop_flags_t)(O_CREAT | O_TRUNC | O_RDWR),
	       (unsigned long long)f->pos, (unsigned long long)f->len,
	       f->filesystem_priv == NULL, f->fd >= 0);
	n = lws_vfs_file_write(f, &amount, (uint8_t *)"0123456789", 10);
	printf("write: %d amount %llu tell %llu\n", n, (unsigned long long)amount,
	       (unsigned long long)lws_vfs_tell(f));
	n = lws_vfs_file_close(&f);
	printf("close: %d, handle NULL %d\n", n, f == NULL);

	flags = O_RDONLY;
	f = lws_vfs_file_open(fops, p, &flags);
	if (!f)
		return 1;
	printf("open: len %llu tell %llu mod_time valid %d\n",
	       (unsigned long long)lws_vfs_get_length(f),
	       (unsigned long long)lws_vfs_tell(f),
	       !!(f->flags & LWS_FOP_FLAG_MOD_TIME_VALID));
	memset(buf, 0, sizeof(buf));
	n = lws_vfs_file_read(f, &amount, buf, 4);
	printf("read 4: %d amount %llu '%s' tell %llu\n", n, (unsigned long long)amount,
	       buf, (unsigned long long)lws_vfs_tell(f));
	printf("seek_set 7: %lld\n", (long long)lws_vfs_file_seek_set(f, 7));
	memset(buf, 0, sizeof(buf));
	n = lws_vfs_file_read(f, &amount, buf, sizeof(buf) - 1);
	printf("read rest: %d amount %llu '%s' tell %llu\n", n,
	       (unsigned long long)amount, buf, (unsigned long long)lws_vfs_tell(f));
	n = lws_vfs_file_read(f, &amount, buf, 4);
	printf("read at end: %d amount %llu\n", n, (unsigned long long)amount);
	printf("seek_cur -100: %lld\n", (long long)lws_vfs_file_seek_cur(f, -100));
	printf("seek_cur 100: %lld\n", (long long)lws_vfs_file_seek_cur(f, 100));
	printf("seek_set 0: %lld\n", (long long)lws_vfs_file_seek_set(f, 0));
	printf("seek_end -3 from 0: %lld\n", (long long)lws_vfs_file_seek_end(f, -3));
	printf("seek_set 2: %lld\n", (long long)lws_vfs_file_seek_set(f, 2));
	printf("seek_end -3 from 2: %lld\n", (long long)lws_vfs_file_seek_end(f, -3));
	n = lws_vfs_file_write(f, &amount, (uint8_t *)"x", 1);
	printf("write to read-only: %d amount %llu\n", n, (unsigned long long)amount);
	printf("close: %d\n", lws_vfs_file_close(&f));

	flags = O_RDONLY;
	lws_snprintf(q, sizeof(q), "%s/nonesuch", tmp);
	printf("open missing: %s\n", lws_vfs_file_open(fops, q, &flags) ? "opened" : "NULL");

	/* a chain: platform first, then one claiming ".zip/" */
	head = *fops;
	memset(&zip, 0, sizeof(zip));
	zip.open = zip_open;
	zip.fi[0].sig = ".zip/";
	zip.fi[0].len = 5;
	head.next = &zip;
	lws_snprintf(q, sizeof(q), "%s/files.zip/inner/x.txt", tmp);
	flags = O_RDONLY;
	f = lws_vfs_file_open(&head, q, &flags);
	printf("zip path: handle %s, given the chain head %d\n", f ? "set" : "NULL",
	       seen_fops == &head);
	f = lws_vfs_file_open(&head, p, &flags);
	printf("plain path through the chain: %s len %llu fops head %d\n",
	       f ? "opened" : "NULL", f ? (unsigned long long)f->len : 0ull,
	       f ? f->fops == &head : 0);
	if (f)
		lws_vfs_file_close(&f);
	lws_snprintf(q, sizeof(q), "%s/zip/x", tmp);
	f = lws_vfs_file_open(&head, q, &flags);
	printf("'zip/' without the dot: %s\n", f ? "opened" : "NULL (platform)");

	/* seek_set and seek_end go through the handle's own seek_cur */
	memset(&rec, 0, sizeof(rec));
	rec.seek_cur = rec_seek_cur;
	memset(&fake, 0, sizeof(fake));
	fake.fops = &rec;
	fake.pos = 5;
	fake.len = 100;
	fake.mod_time = 1234567;
	fake.flags = LWS_FOP_FLAG_MOD_TIME_VALID;
	printf("own fops: tell %llu length %llu mod_time %u\n",
	       (unsigned long long)lws_vfs_tell(&fake),
	       (unsigned long long)lws_vfs_get_length(&fake),
	       (unsigned)lws_vfs_get_mod_time(&fake));
	lws_vfs_file_seek_set(&fake, 20);
	lws_vfs_file_seek_end(&fake, -10);

	lws_context_destroy(cx);

	/* rm -rf: the tree goes, the symlinked directory outside stays */
	n = lws_dir(tmp, NULL, lws_dir_rm_rf_cb);
	printf("rm_rf walk: %d\n", n);
	printf("after rm_rf:\n");
	lws_dir(tmp, NULL, list_cb);
	/* lws_dir never shows names holding a '~', so rm -rf leaves them */
	printf("rmdir with note.txt~ left: %d\n", rmdir(tmp));
	lws_snprintf(p, sizeof(p), "%s/note.txt~", tmp);
	n = unlink(p);
	printf("unlink note.txt~: %d, rmdir: %d\n", n, rmdir(tmp));
	lws_snprintf(p, sizeof(p), "%s-keep/kept", tmp);
	printf("outside file kept: %d\n", !access(p, F_OK));
	unlink(p);
	lws_snprintf(p, sizeof(p), "%s-keep", tmp);
	rmdir(p);

	return 0;
}
