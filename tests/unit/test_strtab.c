/* test_strtab - interning, lookup, dense indexes and growth of string tables. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "regio/strtab.h"

Test(strtab, new_table_is_empty_and_finds_nothing)
{
    regio_strtab_t *t = regio_strtab_new();
    cr_assert_not_null(t);
    cr_assert_eq(regio_strtab_count(t), 0);
    cr_assert_eq(regio_strtab_find(t, "a"), -1);
    cr_assert_eq(regio_strtab_find(t, ""), -1);
    regio_strtab_destroy(&t);
    cr_assert_null(t);
}

Test(strtab, destroy_accepts_null)
{
    regio_strtab_t *t = NULL;
    regio_strtab_destroy(&t);
    regio_strtab_destroy(NULL);
    cr_assert_null(t);
}

Test(strtab, intern_gives_dense_indexes_in_order)
{
    regio_strtab_t *t = regio_strtab_new();
    const char *s[] = {"learner-1", "o7", "", "G1", "p:2"};
    for (int i = 0; i < 5; i++) {
        int added = -1;
        cr_assert_eq(regio_strtab_intern(t, s[i], &added), i);
        cr_assert_eq(added, 1, "'%s' should be new", s[i]);
    }
    cr_assert_eq(regio_strtab_count(t), 5);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(regio_strtab_find(t, s[i]), i);
        cr_assert_str_eq(regio_strtab_name(t, i), s[i]);
    }
    regio_strtab_destroy(&t);
}

Test(strtab, interning_again_returns_the_same_index_and_added_zero)
{
    regio_strtab_t *t = regio_strtab_new();
    cr_assert_eq(regio_strtab_intern(t, "a", NULL), 0);
    cr_assert_eq(regio_strtab_intern(t, "b", NULL), 1);
    int added = -1;
    cr_assert_eq(regio_strtab_intern(t, "a", &added), 0);
    cr_assert_eq(added, 0);
    cr_assert_eq(regio_strtab_count(t), 2);
    regio_strtab_destroy(&t);
}

Test(strtab, table_keeps_its_own_copy)
{
    regio_strtab_t *t = regio_strtab_new();
    char buf[16];
    strcpy(buf, "mutable");
    int32_t i = regio_strtab_intern(t, buf, NULL);
    strcpy(buf, "changed");
    cr_assert_str_eq(regio_strtab_name(t, i), "mutable");
    cr_assert_eq(regio_strtab_find(t, "mutable"), i);
    cr_assert_eq(regio_strtab_find(t, "changed"), -1);
    regio_strtab_destroy(&t);
}

Test(strtab, find_tells_prefixes_and_case_apart)
{
    regio_strtab_t *t = regio_strtab_new();
    regio_strtab_intern(t, "abc", NULL);
    cr_assert_eq(regio_strtab_find(t, "ab"), -1);
    cr_assert_eq(regio_strtab_find(t, "abcd"), -1);
    cr_assert_eq(regio_strtab_find(t, "ABC"), -1);
    regio_strtab_destroy(&t);
}

#define MANY 100000

Test(strtab, hundred_thousand_strings_survive_many_rehashes)
{
    regio_strtab_t *t = regio_strtab_new();
    const char *first = NULL;
    char buf[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(buf, sizeof buf, "id-%d", i);
        int added = 0;
        cr_assert_eq(regio_strtab_intern(t, buf, &added), i);
        cr_assert_eq(added, 1);
        if (i == 0)
            first = regio_strtab_name(t, 0);
    }
    cr_assert_eq(regio_strtab_count(t), MANY);
    /* names never move: the pointer taken before ~11 rehashes still reads */
    cr_assert_eq(regio_strtab_name(t, 0), first);
    cr_assert_str_eq(first, "id-0");
    for (int i = 0; i < MANY; i++) {
        snprintf(buf, sizeof buf, "id-%d", i);
        cr_assert_eq(regio_strtab_find(t, buf), i, "lost %s after growth", buf);
        cr_assert_str_eq(regio_strtab_name(t, i), buf);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "id-%d", MANY + i);
        cr_assert_eq(regio_strtab_find(t, buf), -1);
    }
    /* re-interning after growth adds nothing */
    cr_assert_eq(regio_strtab_intern(t, "id-99999", NULL), 99999);
    cr_assert_eq(regio_strtab_count(t), MANY);
    regio_strtab_destroy(&t);
}

Test(strtab, name_pointers_stay_valid_while_the_table_grows)
{
    regio_strtab_t *t = regio_strtab_new();
    const char *names[200];
    char buf[32];
    for (int i = 0; i < 200; i++) {
        snprintf(buf, sizeof buf, "keep-%d", i);
        names[i] = regio_strtab_name(t, regio_strtab_intern(t, buf, NULL));
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(buf, sizeof buf, "fill-%d", i);
        regio_strtab_intern(t, buf, NULL);
    }
    for (int i = 0; i < 200; i++) {
        snprintf(buf, sizeof buf, "keep-%d", i);
        cr_assert_str_eq(names[i], buf);
        cr_assert_eq(regio_strtab_name(t, i), names[i]);
    }
    regio_strtab_destroy(&t);
}
