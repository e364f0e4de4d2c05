/* End-to-end tests of the keys terminals send as escape sequences (TERM=xterm-256color, as
 * under tmux, screen or PuTTY): Home and End in all their common spellings act as Home and
 * End; a sequence difelus does not know, or an Alt-key, is one key that does nothing and
 * says so — never Échap followed by letters (a question, then typed text thrown away). A
 * lone Échap keeps its meaning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "e2e.h"

#define FIELD "Intitulé de la formation"
#define UNKNOWN "Cette touche n'est pas reconnue par difelus"
#define CANCEL_QUESTION "Abandonner ce que vous avez tapé"

static void field_has(struct term *t, const char *value)
{
    if (!term_wait_field(t, FIELD, value))
        fail_msg("le champ « %s » ne contient pas « %s »", FIELD, value);
}

/* The new-dossier form, with "Abcdef" typed in its first field. */
static struct term *form_with_text(const char *name)
{
    struct term *t = start(24, 80, fresh_db(name), NULL);
    WAIT(t, "Accueil");
    term_send(t, "dn");
    WAIT(t, "nouveau dossier d'inscription");
    term_send(t, "Abcdef");
    field_has(t, "Abcdef");
    return t;
}

/* Every common spelling of Home and End on the Accueil: a key that does nothing there
 * (not step 1 or step 4, not « La touche « ~ » »). A letter between two of them changes
 * the message, so that each one is seen to say it. */
static void test_home_end_variants_on_home_screen(void **state)
{
    (void)state;
    static const char *const seqs[] = {"\033[1~", "\033[4~", "\033[H",  "\033[F",
                                       "\033OH",  "\033OF",  "\033[7~", "\033[8~"};
    struct term *t = start(24, 80, fresh_db("e2e-esc-home"), NULL);
    WAIT(t, "Accueil");
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        term_send(t, "x");
        WAIT(t, "La touche « x » ne fait rien ici");
        term_send(t, seqs[i]);
        if (!term_wait_for(t, "Cette touche ne fait rien ici"))
            fail_msg("séquence n° %zu (Origine ou Fin) mal lue :\n%s", i, term_text(t));
        assert_non_null(harness_strstr(term_text(t), "1-6 étapes")); /* still the Accueil */
    }
    assert_null(harness_strstr(term_text(t), "ne fait rien sur l'accueil"));
    quit_cleanly(t);
}

/* In a form, Home and End as PuTTY and rxvt send them move to the start and the end of
 * the field: the text stays whole, no question is asked, nothing is swallowed. */
static void test_home_end_in_form(void **state)
{
    (void)state;
    struct term *t = form_with_text("e2e-esc-form");
    term_send(t, "\033[1~");
    term_send(t, "Z");
    field_has(t, "ZAbcdef");
    term_send(t, "\033[4~");
    term_send(t, "Y");
    field_has(t, "ZAbcdefY");
    term_send(t, "\033[7~");
    term_send(t, "X");
    field_has(t, "XZAbcdefY");
    term_send(t, "\033[8~");
    term_send(t, "W");
    field_has(t, "XZAbcdefYW");
    assert_null(harness_strstr(term_text(t), CANCEL_QUESTION));
    assert_null(strstr(term_text(t), "[4~"));
    term_free(t);
}

/* An unknown CSI sequence and Alt-o (Échap and o together) in a filled form: the text
 * stays, the message line says the key is not recognised, and what is typed next goes
 * into the field. */
static void test_unknown_sequence_and_alt_key_in_form(void **state)
{
    (void)state;
    struct term *t = form_with_text("e2e-esc-unknown");
    term_send(t, "\033[99;5~");
    WAIT(t, UNKNOWN);
    field_has(t, "Abcdef");
    assert_null(harness_strstr(term_text(t), CANCEL_QUESTION));
    term_send(t, "g");
    field_has(t, "Abcdefg");
    WAIT(t, "nouveau dossier d'inscription");
    term_send(t, "\033o");
    WAIT(t, UNKNOWN);
    assert_null(harness_strstr(term_text(t), CANCEL_QUESTION));
    term_send(t, "h");
    field_has(t, "Abcdefgh"); /* still the form, nothing thrown away */
    term_send(t, "\033OZ"); /* SS3 and a byte no terminfo binds */
    term_send(t, "i");
    field_has(t, "Abcdefghi");
    assert_null(harness_strstr(term_text(t), CANCEL_QUESTION));
    term_free(t);
}

/* An unknown sequence on the Accueil is one key too: not Échap, `[`, then letters. */
static void test_unknown_sequence_on_home_screen(void **state)
{
    (void)state;
    struct term *t = start(24, 80, fresh_db("e2e-esc-home-unknown"), NULL);
    WAIT(t, "Accueil");
    term_send(t, "\033[27;5;13~"); /* Ctrl-Entrée, xterm modifyOtherKeys */
    WAIT(t, UNKNOWN);
    assert_non_null(harness_strstr(term_text(t), "1-6 étapes"));
    term_send(t, "\033d"); /* Alt-d: not the dossiers */
    term_send(t, "x");
    WAIT(t, "La touche « x » ne fait rien ici");
    assert_non_null(harness_strstr(term_text(t), "1-6 étapes"));
    quit_cleanly(t);
}

/* A lone Échap (nothing after it) still asks before throwing typed text away. */
static void test_lone_escape_still_asks(void **state)
{
    (void)state;
    struct term *t = form_with_text("e2e-esc-lone");
    term_send(t, "\033");
    WAIT(t, CANCEL_QUESTION);
    term_send(t, "n");
    WAIT(t, "Rien n'est perdu");
    field_has(t, "Abcdef");
    term_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_home_end_variants_on_home_screen),
        cmocka_unit_test(test_home_end_in_form),
        cmocka_unit_test(test_unknown_sequence_and_alt_key_in_form),
        cmocka_unit_test(test_unknown_sequence_on_home_screen),
        cmocka_unit_test(test_lone_escape_still_asks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
