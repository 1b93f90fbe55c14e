/* test_file - whole-file reads, atomic writes and nested mkdirs. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regio/file.h"

static char s_dir[256];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/regio-test-file-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    (void)system(cmd);
}

static void s_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", s_dir, name);
}

static int s_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

TestSuite(file, .init = s_setup, .fini = s_teardown);

Test(file, read_returns_content_nul_terminated_with_length)
{
    char p[300];
    s_path(p, sizeof p, "a.txt");
    FILE *f = fopen(p, "wb");
    fputs("hello\nworld", f);
    fclose(f);
    char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(regio_file_read(p, &buf, &len), 0);
    cr_assert_eq(len, 11);
    cr_assert_str_eq(buf, "hello\nworld");
    free(buf);
}

Test(file, read_accepts_null_len_and_empty_file)
{
    char p[300];
    s_path(p, sizeof p, "empty");
    fclose(fopen(p, "wb"));
    char *buf = NULL;
    cr_assert_eq(regio_file_read(p, &buf, NULL), 0);
    cr_assert_not_null(buf);
    cr_assert_str_eq(buf, "");
    free(buf);
}

Test(file, read_of_a_missing_file_is_minus_enoent)
{
    char p[300];
    s_path(p, sizeof p, "missing");
    char *buf = (char *)0x1;
    cr_assert_eq(regio_file_read(p, &buf, NULL), -ENOENT);
}

Test(file, read_of_a_large_binary_file_keeps_every_byte)
{
    /* larger than the first 64 KiB buffer, with NULs inside */
    size_t n = 300000;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 9));
    char p[300];
    s_path(p, sizeof p, "big.bin");
    FILE *f = fopen(p, "wb");
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(regio_file_read(p, &buf, &len), 0);
    cr_assert_eq(len, n);
    cr_assert(memcmp(buf, data, n) == 0);
    cr_assert_eq(buf[n], '\0');
    free(buf);
    free(data);
}

Test(file, read_of_a_directory_fails)
{
    char *buf = NULL;
    cr_assert_lt(regio_file_read(s_dir, &buf, NULL), 0);
}

Test(file, atomic_write_creates_the_file_and_leaves_no_tmp)
{
    char p[300];
    s_path(p, sizeof p, "out.cfg");
    cr_assert_eq(regio_file_write_atomic(p, "abc", 3), 0);
    char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(regio_file_read(p, &buf, &len), 0);
    cr_assert_eq(len, 3);
    cr_assert_str_eq(buf, "abc");
    free(buf);
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    cr_assert_eq(access(tmp, F_OK), -1, "%s left behind", tmp);
    cr_assert_eq(s_count_entries(s_dir), 1);
}

Test(file, atomic_write_replaces_longer_content_entirely)
{
    char p[300];
    s_path(p, sizeof p, "state");
    const char *long_text = "0123456789012345678901234567890123456789";
    cr_assert_eq(regio_file_write_atomic(p, long_text, strlen(long_text)), 0);
    cr_assert_eq(regio_file_write_atomic(p, "new", 3), 0);
    char *buf = NULL;
    size_t len = 0;
    cr_assert_eq(regio_file_read(p, &buf, &len), 0);
    cr_assert_eq(len, 3, "old tail kept: '%s'", buf);
    cr_assert_str_eq(buf, "new");
    free(buf);
    cr_assert_eq(s_count_entries(s_dir), 1);
}

Test(file, atomic_write_of_zero_bytes_makes_an_empty_file)
{
    char p[300];
    s_path(p, sizeof p, "zero");
    cr_assert_eq(regio_file_write_atomic(p, "x", 1), 0);
    cr_assert_eq(regio_file_write_atomic(p, "", 0), 0);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_size, 0);
}

Test(file, atomic_write_into_a_missing_dir_fails_and_leaves_nothing)
{
    char p[300];
    s_path(p, sizeof p, "no/such/dir/f");
    cr_assert_eq(regio_file_write_atomic(p, "x", 1), -ENOENT);
    cr_assert_eq(s_count_entries(s_dir), 0);
}

Test(file, atomic_write_onto_a_directory_fails_and_removes_tmp)
{
    char p[300];
    s_path(p, sizeof p, "adir");
    cr_assert_eq(mkdir(p, 0700), 0);
    cr_assert_lt(regio_file_write_atomic(p, "x", 1), 0);
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    cr_assert_eq(access(tmp, F_OK), -1);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
}

Test(file, mkdirs_creates_nested_directories)
{
    char p[300];
    s_path(p, sizeof p, "a/b/c/d");
    cr_assert_eq(regio_file_mkdirs(p), 0);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    mode_t mask = umask(0);
    umask(mask);
    cr_assert_eq(st.st_mode & 0777, 0750 & ~mask);
}

Test(file, mkdirs_on_existing_dirs_is_fine)
{
    char p[300];
    s_path(p, sizeof p, "x/y");
    cr_assert_eq(regio_file_mkdirs(p), 0);
    cr_assert_eq(regio_file_mkdirs(p), 0);
    cr_assert_eq(regio_file_mkdirs(s_dir), 0);
}

Test(file, mkdirs_accepts_a_trailing_slash)
{
    char p[300];
    s_path(p, sizeof p, "t1/t2/");
    cr_assert_eq(regio_file_mkdirs(p), 0);
    s_path(p, sizeof p, "t1/t2");
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
}

Test(file, mkdirs_through_a_regular_file_fails)
{
    char p[300];
    s_path(p, sizeof p, "plain");
    fclose(fopen(p, "wb"));
    s_path(p, sizeof p, "plain/sub");
    cr_assert_eq(regio_file_mkdirs(p), -ENOTDIR);
}

Test(file, mkdirs_on_an_existing_regular_file_fails)
{
    /* the path must end up a directory; a file there is not "existing" */
    char p[300];
    s_path(p, sizeof p, "plainfile");
    fclose(fopen(p, "wb"));
    cr_assert_eq(regio_file_mkdirs(p), -ENOTDIR);
}

Test(file, mkdirs_of_an_empty_path_fails)
{
    cr_assert_lt(regio_file_mkdirs(""), 0);
}
