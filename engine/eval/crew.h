/* The threads of one batch at -j N: the calling thread and up to N - 1 started ones, started
 * when a phase first needs them and kept from one phase of the batch to the next (the workers,
 * then the settle), so that each goes on on the CPU it ran on rather than being created again,
 * or woken, wherever the system puts it. */
#ifndef TD_CREW_H
#define TD_CREW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define TD_CREW_MAX 256

typedef void (*td_crew_fn)(void *arg);

typedef struct td_crew td_crew;

/* A started thread's place in its crew. */
typedef struct td_crew_seat {
    td_crew *c;
    unsigned i;             /* 1 .. started */
    unsigned seen;          /* the crew's phase when the thread was started */
} td_crew_seat;

struct td_crew {
    pthread_t th[TD_CREW_MAX];
    td_crew_seat seats[TD_CREW_MAX];
    unsigned started;       /* threads started besides the calling one */
    pthread_mutex_t mu;     /* with cv: for a thread that waited past its spin */
    pthread_cond_t cv;
    atomic_uint phase;      /* bumped when a phase starts, and when the crew ends */
    atomic_uint running;    /* started threads still in the phase */
    td_crew_fn fn;          /* the phase's work; NULL: the crew ends */
    void *const *args;      /* the phase's argument of each thread, the calling one's first */
    unsigned n;             /* threads the phase uses, the calling one among them */
    unsigned cpus;          /* the CPUs the process may run on (0: unknown) */
    atomic_bool spin;       /* a waiting thread spins first: no more threads than CPUs */
};

/* A crew of the calling thread alone. */
void td_crew_init(td_crew *c);

/* Starts threads, between phases, until the crew has `threads` (the calling one among them;
 * at most TD_CREW_MAX) or one cannot be started; returns how many it has. */
unsigned td_crew_grow(td_crew *c, unsigned threads);

/* Runs fn(args[i]) on the crew's thread i for each i < n (n at most what td_crew_grow
 * returned; thread 0 is the calling one) and returns when every one of them has returned. */
void td_crew_run(td_crew *c, td_crew_fn fn, void *const *args, unsigned n);

/* Ends the crew's threads and waits for them. */
void td_crew_end(td_crew *c);

#endif
