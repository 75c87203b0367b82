/* The threads of one batch, kept across its phases (crew.h).
 *
 * Why: on a virtual machine whose scheduler packs runnable threads onto few virtual CPUs, a
 * thread created or woken at a phase's start was at times put on the CPU of the thread that
 * woke it, and the two shared one CPU for milliseconds until the system spread them again
 * (docs/performance.md, lever 30). A thread of the crew that waits for the next phase stays
 * on its CPU for a moment (SPIN_NS) before it sleeps; the gap between two phases is shorter. */
#include "crew.h"

#include <sched.h>
#include <stdint.h>
#include <time.h>

/* How long a waiting thread stays on its CPU before it sleeps, in nanoseconds: longer than the
 * gap between the workers' end and the settle's start, short beside a batch. */
#define SPIN_NS 3000000

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* True when *x equals v (`equal`) or differs from it (!`equal`). */
static inline bool holds(atomic_uint *x, unsigned v, bool equal)
{
    return (atomic_load_explicit(x, memory_order_acquire) == v) == equal;
}

/* Waits until holds(x, v, equal): on the CPU for up to SPIN_NS (when the crew has a CPU for
 * each of its threads: a spinning thread would otherwise take one from a thread at work),
 * then asleep on the crew's condition variable. */
static void await(td_crew *c, atomic_uint *x, unsigned v, bool equal)
{
    if (atomic_load_explicit(&c->spin, memory_order_relaxed)) {
        int64_t until = now_ns() + SPIN_NS;
        for (unsigned k = 1; !holds(x, v, equal); k++) {
            relax();
            if (k % 256 == 0 && now_ns() > until)
                break;
        }
    }
    if (holds(x, v, equal))
        return;
    pthread_mutex_lock(&c->mu);
    while (!holds(x, v, equal))
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

/* Wakes whoever sleeps on the crew (after a change it waits for). */
static void wake(td_crew *c)
{
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void *crew_main(void *arg)
{
    td_crew_seat *s = arg;
    td_crew *c = s->c;
    unsigned seen = s->seen;
    for (;;) {
        await(c, &c->phase, seen, false);
        seen = atomic_load_explicit(&c->phase, memory_order_acquire);
        if (!c->fn)
            break;
        if (s->i < c->n)
            c->fn(c->args[s->i]);
        if (atomic_fetch_sub_explicit(&c->running, 1, memory_order_acq_rel) == 1)
            wake(c);
    }
    return NULL;
}

void td_crew_init(td_crew *c)
{
    c->started = 0;
    c->fn = NULL;
    c->args = NULL;
    c->n = 0;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    atomic_init(&c->phase, 0);
    atomic_init(&c->running, 0);
    cpu_set_t cpus;
    c->cpus = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 0;
    atomic_init(&c->spin, c->cpus >= 1);
}

unsigned td_crew_grow(td_crew *c, unsigned threads)
{
    if (threads > TD_CREW_MAX)
        threads = TD_CREW_MAX;
    unsigned phase = atomic_load_explicit(&c->phase, memory_order_relaxed);
    while (c->started + 1 < threads) {
        td_crew_seat *s = &c->seats[c->started];
        *s = (td_crew_seat){c, c->started + 1, phase};
        if (pthread_create(&c->th[c->started], NULL, crew_main, s) != 0)
            break;
        c->started++;
    }
    atomic_store_explicit(&c->spin, c->cpus >= c->started + 1, memory_order_relaxed);
    return c->started + 1;
}

/* Starts a phase: every started thread runs it, those past n doing nothing. */
static void begin(td_crew *c, td_crew_fn fn, void *const *args, unsigned n)
{
    c->fn = fn;
    c->args = args;
    c->n = n;
    atomic_store_explicit(&c->running, c->started, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->phase, 1, memory_order_acq_rel);
    wake(c);
}

void td_crew_run(td_crew *c, td_crew_fn fn, void *const *args, unsigned n)
{
    if (n > c->started + 1)
        n = c->started + 1;
    if (c->started)
        begin(c, fn, args, n);
    if (n)
        fn(args[0]);
    await(c, &c->running, 0, true);
}

void td_crew_end(td_crew *c)
{
    if (c->started)
        begin(c, NULL, NULL, 0);
    for (unsigned i = 0; i < c->started; i++)
        pthread_join(c->th[i], NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    c->started = 0;
}
