/* The cmocka groups of the signaling/store unit tests; each returns its failure count. */
#ifndef SIG_TESTS_H
#define SIG_TESTS_H
int tests_msg(void);
int tests_room(void);
int tests_limits(void);
int tests_store(void);
int tests_history(void);
int tests_reaction(void);
int tests_media(void);
int tests_sfu(void);
#endif
