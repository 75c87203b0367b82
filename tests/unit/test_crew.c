/* Unit tests of the crew: the threads of a batch kept from one phase to the next. Each phase
 * runs its work once on each of the threads it asks for, the calling one first among them, and
 * returns only when all of them are done; threads past the phase's count do nothing; threads
 * started between phases take part in the next; a crew whose threads sleep between phases
 * (longer than they spin) still wakes for the next. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "crew.h"

/* What one thread's work records. */
typedef struct mark {
    atomic_int runs;        /* times this work ran */
    pthread_t who;          /* the thread it last ran on */
    atomic_int *done;       /* shared by a phase's works: how many have ended */
    long sleep_ms;          /* how long the work takes */
} mark;

static void note(void *arg)
{
    mark *m = arg;
    struct timespec pause = {0, m->sleep_ms * 1000 * 1000};
    if (m->sleep_ms)
        nanosleep(&pause, NULL);
    m->who = pthread_self();
    atomic_fetch_add(&m->runs, 1);
    atomic_fetch_add(m->done, 1);
}

/* Readies n marks of a phase, all ending into *done, and their works' arguments. */
static void marks_init(mark *m, void **args, unsigned n, atomic_int *done)
{
    for (unsigned i = 0; i < n; i++) {
        atomic_init(&m[i].runs, 0);
        m[i].done = done;
        m[i].sleep_ms = 0;
        args[i] = &m[i];
    }
}

/* Runs one phase of n works on crew c and checks that each ran once, that the calling thread
 * ran the first, that the others ran on threads of their own, and that all had ended when
 * td_crew_run returned. */
static void run_phase(td_crew *c, unsigned n)
{
    atomic_int done = 0;
    mark marks[8];
    void *args[8] = {0};
    marks_init(marks, args, n, &done);
    td_crew_run(c, note, args, n);
    assert_int_equal(atomic_load(&done), n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(atomic_load(&marks[i].runs), 1);
        assert_int_equal(pthread_equal(marks[i].who, pthread_self()) != 0, i == 0);
        for (unsigned k = 0; k < i; k++)
            assert_false(pthread_equal(marks[i].who, marks[k].who));
    }
}

static void test_crew_phases_on_every_thread(void **state)
{
    (void)state;
    td_crew c;
    td_crew_init(&c);
    assert_int_equal(td_crew_grow(&c, 4), 4);
    for (int k = 0; k < 50; k++)
        run_phase(&c, 4);
    td_crew_end(&c);
}

static void test_crew_phase_on_fewer_threads(void **state)
{
    (void)state;
    td_crew c;
    td_crew_init(&c);
    assert_int_equal(td_crew_grow(&c, 4), 4);
    run_phase(&c, 2);
    run_phase(&c, 1);
    run_phase(&c, 4);
    run_phase(&c, 3);
    td_crew_end(&c);
}

static void test_crew_of_one_runs_on_the_caller(void **state)
{
    (void)state;
    td_crew c;
    td_crew_init(&c);
    assert_int_equal(td_crew_grow(&c, 1), 1);
    run_phase(&c, 1);
    td_crew_end(&c);
}

static void test_crew_wakes_after_sleeping(void **state)
{
    (void)state;
    td_crew c;
    td_crew_init(&c);
    assert_int_equal(td_crew_grow(&c, 3), 3);
    run_phase(&c, 3);
    /* longer than a waiting thread spins: the others are asleep by the next phase */
    struct timespec pause = {0, 30 * 1000 * 1000};
    nanosleep(&pause, NULL);
    run_phase(&c, 3);
    nanosleep(&pause, NULL);
    td_crew_end(&c);
}

/* Threads started between two phases take part only in the phases after them. */
static void test_crew_grows_between_phases(void **state)
{
    (void)state;
    td_crew c;
    td_crew_init(&c);
    static atomic_int done;
    static mark first[2];
    void *args[2];
    marks_init(first, args, 2, &done);
    assert_int_equal(td_crew_grow(&c, 2), 2);
    td_crew_run(&c, note, args, 2);
    assert_int_equal(td_crew_grow(&c, 4), 4);
    run_phase(&c, 4);
    run_phase(&c, 3);
    assert_int_equal(atomic_load(&first[0].runs), 1);
    assert_int_equal(atomic_load(&first[1].runs), 1);
    assert_int_equal(atomic_load(&done), 2);
    td_crew_end(&c);
}

/* One thread's work outlasts what the calling thread spins: it waits asleep for it. */
static void test_crew_waits_for_a_slow_thread(void **state)
{
    (void)state;
    td_crew c;
    td_crew_init(&c);
    assert_int_equal(td_crew_grow(&c, 2), 2);
    atomic_int done = 0;
    mark marks[2];
    void *args[2];
    marks_init(marks, args, 2, &done);
    marks[1].sleep_ms = 20;
    td_crew_run(&c, note, args, 2);
    assert_int_equal(atomic_load(&done), 2);
    assert_int_equal(atomic_load(&marks[1].runs), 1);
    td_crew_end(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crew_phases_on_every_thread),
        cmocka_unit_test(test_crew_phase_on_fewer_threads),
        cmocka_unit_test(test_crew_of_one_runs_on_the_caller),
        cmocka_unit_test(test_crew_wakes_after_sleeping),
        cmocka_unit_test(test_crew_grows_between_phases),
        cmocka_unit_test(test_crew_waits_for_a_slow_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
