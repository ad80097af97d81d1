/*
 * The ranges' memory (range_memory.h).
 *
 * Regions. A range of up to JR_MEM_MAX_CLASS_PAGES pages is a slot of the smallest size class
 * that holds it (classes step by about x1.5, so at most a third of a slot is never used; that
 * third is virtual only: a page costs memory once touched). Each class carves its slots from
 * slabs of max(64 MiB, 64 slots), mapped MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE and advised
 * MADV_NOHUGEPAGE once (khugepaged would merge restored pages into a huge page that is no longer
 * droppable). A larger range gets a mapping of its own. Slabs live as long as the service; a
 * freed slot is MADV_DONTNEED'd (its memory goes back to the kernel and its next use reads zero,
 * so the JDK's zeroing can still be skipped) and goes on its slab's free list; a slab with a free
 * slot is on its class's partial list. Allocation and free are O(1); slots a slab never used are
 * never touched (a bump mark), so idle costs nothing.
 *
 * Recycling. A range that was never registered (never marked) gives its slot back through
 * jr_mem_recycle: while the pages held so stay within recycle_max, the range's present pages are
 * zeroed there and then and MADV_FREE'd, its absent ones and the slot's unused tail MADV_DONTNEED'd
 * (a page never touched is not faulted in, and costs nothing), and the slot goes on its class's warm
 * list, which the next allocation of the class takes first. So the next range in it
 * reads zero over the whole slot (the JDK's zeroing stays skipped) and writes pages that are already
 * there (no first-touch fault, as malloc's reuse of warm memory). The first JR_MEM_HOT_BYTES of them
 * (at most recycle_max) stay ordinary memory; the rest are MADV_FREE'd, which the kernel may drop under
 * pressure (lazyfree; a dropped page of the unregistered slot is an ordinary zero-fill fault) but which
 * costs the madvise and, at the next writes, the hardware's setting of dirty bits again: about 1.4x the
 * zero-and-write cycle of a warm 1 MiB slot, measured (docs/benchmarks.md, "Allocation"). A steady
 * allocate-free cycle so stays in hot slots, a burst of frees gets droppable ones. A marked range's
 * pages may be purged or volatile: its slot is MADV_DONTNEED'd as before.
 *
 * Registration stays at each range's first mark (first touches remain plain kernel faults), on the
 * whole slot. Registering part of a mapping splits it, and adjacent registered slots of the same
 * userfaultfd and flags merge back (the kernel's vma_merge), as unregistering merges back with
 * unregistered neighbours: the mapping count follows the runs of registered slots, which this
 * file knows exactly from each slot's neighbours.
 *
 * Mappings. The process may hold vm.max_map_count mappings (read once); past it every mmap, and
 * every split, fails with ENOMEM, the JVM's own (thread stacks, metaspace, code heap) included.
 * The library creates no mapping past JR_MAP_RESERVE_PERCENT of it: a new slab, an own mapping
 * or a registration that splits is refused (-EMFILE; the range stays plain memory), while slots of
 * existing slabs stay available (they add no mapping). The process's count is the last count of
 * /proc/self/maps lines plus the mappings this library made or ended since (a new slab or own
 * mapping +1, a registration +2 / 0 / -2 by its neighbours, slab edges counted as unregistered,
 * so the estimate errs high); it is counted again, at a mapping change only, when a second has
 * passed or JR_MEM_RECOUNT_EVENTS changes were made since, and when the estimate says no (at
 * most every 100 ms), so the JVM's own mappings are seen. An allocation from an existing slab
 * never reads /proc.
 *
 * Index. A 2 MiB granule of the address space names at most one region (regions are mapped at
 * granule-aligned addresses), through a two-level radix of region ids; a region's geometry gives
 * the slot, whose owner array gives the table slot. The fault service reads it lock-free under
 * the seqlock seq, which writers (serialised by lock) make odd around every edit; every pointer
 * it follows is valid whatever it reads (the arena is never unmapped before destroy, a region's
 * arrays never change once published, and every index is bounds-checked), and any answer is
 * checked again by the caller under the slot's lock (range_table.c). Check builds verify the lock
 * is held for every edit and the sequence is even when an edit begins and when a lookup is accepted.
 */
#define _GNU_SOURCE
#include "range_memory.h"

#include "check.h"
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GRANULE_SHIFT 21
#define GRANULE (1ull << GRANULE_SHIFT)
#define VA_BITS 47 /* user addresses of x86-64 and arm64 without a hint above 2^47 */
#define LEVEL_BITS ((VA_BITS - GRANULE_SHIFT + 1) / 2)
#define LEAF_ENTRIES (1u << LEVEL_BITS)
#define TOP_ENTRIES (1u << (VA_BITS - GRANULE_SHIFT - LEVEL_BITS))
#define MAX_REGIONS (1u << 17)
#define META_BYTES (1ull << 30)
#define SLAB_BYTES (64ull << 20)
#define SLAB_MIN_SLOTS 64u
#define NO_REGION UINT32_MAX
#define JR_MEM_RECOUNT_EVENTS 1024u
#define RECOUNT_NS 1000000000ull
#define RECOUNT_REFUSED_NS 100000000ull
#define OWN_CLASS UINT32_MAX

static const uint32_t class_pages[JR_MEM_CLASSES] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512};

/* REG_WARM: on its class's warm list, zero over the whole slot, owner JR_MEM_FREE, not registered;
 * REG_HOT with it: not MADV_FREE'd (counted in JR_MS_RECYCLED_HOT_BYTES). */
enum { REG_REGISTERED = 1, REG_HANDED = 2, REG_WARM = 4, REG_HOT = 8 };

struct jr_region {
	/* read by the service (immutable once published, but base of a reused own-mapping id) */
	uint64_t base, bytes, slot_bytes;
	uint32_t nslots;
	uint32_t *owner;     /* per slot: table slot, JR_MEM_FREE or JR_MEM_HELD */
	/* writers only */
	uint32_t *link;      /* per slot: next free slot; for a handed-over slot its pages */
	uint8_t *flags;      /* per slot: REG_* */
	uint16_t *warm_pages; /* per warm slot: the pages zeroed at its recycling (counted as recycled); per
			       * held slot taken hot: its first pages known present (its recycling skips mincore) */
	uint32_t cls;        /* size class, or OWN_CLASS */
	uint32_t used;       /* slots ever taken (the bump mark) */
	uint32_t free_head;
	uint32_t next_partial;
	uint32_t warm_head;  /* warm slots (through link) */
	uint32_t next_warm;  /* the class's warm list of regions */
	int on_partial, on_warm, live;
};

static void lock(struct jr_memory *m)
{
	pthread_mutex_lock(&m->lock);
	if (JR_CHECKS_ON)
		m->writer = pthread_self();
}

static void unlock(struct jr_memory *m)
{
	if (JR_CHECKS_ON)
		memset(&m->writer, 0, sizeof(m->writer));
	pthread_mutex_unlock(&m->lock);
}

static void assert_writer(const struct jr_memory *m)
{
	JR_CHECK(pthread_equal(m->writer, pthread_self()), "memory lock not held by this thread");
	(void)m;
}

static void seq_begin(struct jr_memory *m)
{
	assert_writer(m);
	uint64_t s = __atomic_load_n(&m->seq, __ATOMIC_RELAXED);
	JR_CHECK((s & 1) == 0, "index edit begun inside another (seq %llu)", (unsigned long long)s);
	__atomic_store_n(&m->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void seq_end(struct jr_memory *m)
{
	uint64_t s = __atomic_load_n(&m->seq, __ATOMIC_RELAXED);
	JR_CHECK((s & 1) == 1, "index edit ended without a begin");
	__atomic_store_n(&m->seq, s + 1, __ATOMIC_RELEASE);
}

static void *meta_take(struct jr_memory *m, uint64_t bytes)
{
	assert_writer(m);
	bytes = (bytes + 63) & ~63ull;
	if (bytes > m->meta_bytes - m->meta_used)
		return NULL;
	void *p = m->meta + m->meta_used;
	m->meta_used += bytes;
	return p; /* zero: fresh arena memory */
}

/* --- Mappings --- */

static int64_t read_number(const char *path, int64_t fallback)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fallback;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return fallback;
	buf[n] = 0;
	int64_t v = 0;
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	return v > 0 ? v : fallback;
}

/* Lines of /proc/self/maps: one per mapping. -1 if it cannot be read. */
static int64_t count_maps(void)
{
	char buf[16384];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int64_t lines = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static void recount(struct jr_memory *m, uint64_t now)
{
	int64_t n = count_maps();
	if (n >= 0) {
		m->maps_counted = n;
		m->maps_delta = 0;
	}
	m->counted_at = now;
	m->events = 0;
	m->st[JR_MS_MAP_COUNTS]++;
}

static int64_t maps_estimate(const struct jr_memory *m) { return m->maps_counted + m->maps_delta; }

/* Whether `add` more mappings stay within the budget (counting again when due). */
static int budget_allows(struct jr_memory *m, int64_t add)
{
	assert_writer(m);
	uint64_t now = jr_k_now_ns();
	int over = maps_estimate(m) + add > m->map_limit;
	if (m->events >= JR_MEM_RECOUNT_EVENTS || now - m->counted_at >= RECOUNT_NS ||
	    (over && now - m->counted_at >= RECOUNT_REFUSED_NS))
		recount(m, now);
	return maps_estimate(m) + add <= m->map_limit;
}

static void maps_changed(struct jr_memory *m, int64_t delta)
{
	m->maps_delta += delta;
	m->events++;
}

void jr_mem_set_map_limit(struct jr_memory *m, int64_t limit)
{
	lock(m);
	int64_t def = m->max_map_count * JR_MAP_RESERVE_PERCENT / 100;
	m->map_limit = limit <= 0 ? def : limit < m->max_map_count ? limit : m->max_map_count;
	recount(m, jr_k_now_ns());
	unlock(m);
}

/* --- Index --- */

static struct jr_region *region_at(struct jr_memory *m, uint64_t addr, uint32_t *rid_out)
{
	assert_writer(m);
	if (addr >> VA_BITS)
		return NULL;
	uint64_t g = addr >> GRANULE_SHIFT;
	uint32_t *leaf = m->radix[g >> LEVEL_BITS];
	uint32_t id = leaf ? leaf[g & (LEAF_ENTRIES - 1)] : 0;
	if (!id)
		return NULL;
	if (rid_out)
		*rid_out = id - 1;
	return &m->regions[id - 1];
}

/* Sets the granules of [base, base+bytes) to rid + 1 (or 0 with clear), inside seq. */
static int radix_set(struct jr_memory *m, uint64_t base, uint64_t bytes, uint32_t rid, int clear)
{
	uint64_t first = base >> GRANULE_SHIFT, last = (base + bytes - 1) >> GRANULE_SHIFT;
	if (!clear) /* leaves first, outside any edit: a new leaf is all zero, i.e. no region */
		for (uint64_t g = first; g <= last; g++) {
			uint32_t **slot = &m->radix[g >> LEVEL_BITS];
			if (!*slot) {
				uint32_t *leaf = meta_take(m, LEAF_ENTRIES * sizeof(uint32_t));
				if (!leaf)
					return -ENOMEM;
				__atomic_store_n(slot, leaf, __ATOMIC_RELEASE);
			}
		}
	seq_begin(m);
	for (uint64_t g = first; g <= last; g++) {
		uint32_t *leaf = m->radix[g >> LEVEL_BITS];
		JR_CHECK(clear ? leaf[g & (LEAF_ENTRIES - 1)] == rid + 1 : leaf[g & (LEAF_ENTRIES - 1)] == 0,
			 "granule %llx of region %u already %s", (unsigned long long)g, rid, clear ? "cleared" : "taken");
		__atomic_store_n(&leaf[g & (LEAF_ENTRIES - 1)], clear ? 0 : rid + 1, __ATOMIC_RELEASE);
	}
	seq_end(m);
	return 0;
}

uint32_t jr_mem_lookup(struct jr_memory *m, uint64_t addr)
{
	if (addr >> VA_BITS)
		return JR_MEM_FREE;
	uint64_t g = addr >> GRANULE_SHIFT;
	for (;;) {
		uint64_t s1 = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		uint32_t found = JR_MEM_FREE;
		uint32_t *leaf = __atomic_load_n(&m->radix[g >> LEVEL_BITS], __ATOMIC_ACQUIRE);
		uint32_t id = leaf ? __atomic_load_n(&leaf[g & (LEAF_ENTRIES - 1)], __ATOMIC_ACQUIRE) : 0;
		if (id && id <= MAX_REGIONS) {
			struct jr_region *r = &m->regions[id - 1];
			uint64_t base = __atomic_load_n(&r->base, __ATOMIC_RELAXED);
			uint64_t sb = __atomic_load_n(&r->slot_bytes, __ATOMIC_RELAXED);
			uint32_t n = __atomic_load_n(&r->nslots, __ATOMIC_RELAXED);
			uint32_t *owner = __atomic_load_n(&r->owner, __ATOMIC_RELAXED);
			if (addr >= base && sb && owner && (addr - base) / sb < n)
				found = __atomic_load_n(&owner[(addr - base) / sb], __ATOMIC_RELAXED);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->seq, __ATOMIC_RELAXED) == s1) {
			JR_CHECK((s1 & 1) == 0, "lookup accepted an odd sequence");
			return found;
		}
	}
}

/* The slot holding addr: its region and index, or NULL. */
static struct jr_region *slot_at(struct jr_memory *m, uint64_t addr, uint32_t *slot_out)
{
	struct jr_region *r = region_at(m, addr, NULL);
	if (!r || addr < r->base || (addr - r->base) / r->slot_bytes >= r->used)
		return NULL;
	*slot_out = (uint32_t)((addr - r->base) / r->slot_bytes);
	return r;
}

static void owner_store(struct jr_memory *m, struct jr_region *r, uint32_t i, uint32_t owner)
{
	seq_begin(m);
	__atomic_store_n(&r->owner[i], owner, __ATOMIC_RELAXED);
	seq_end(m);
}

int jr_mem_set_owner(struct jr_memory *m, uint64_t base, uint64_t len, uint32_t owner)
{
	JR_CHECK(owner < JR_MEM_HELD, "owner %u is not a table slot", owner);
	uint32_t i;
	int err = -EEXIST;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	if (r && base == r->base + i * r->slot_bytes && len <= r->slot_bytes && r->owner[i] == JR_MEM_HELD &&
	    !(r->flags[i] & REG_HANDED)) {
		owner_store(m, r, i, owner);
		err = 0;
	}
	unlock(m);
	return err;
}

void jr_mem_clear_owner(struct jr_memory *m, uint64_t base, uint32_t owner)
{
	uint32_t i;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	if (r && r->owner[i] == owner)
		owner_store(m, r, i, JR_MEM_HELD);
	unlock(m);
}

uint32_t jr_mem_owner_at(struct jr_memory *m, uint64_t addr)
{
	uint32_t i, o = JR_MEM_FREE;
	lock(m);
	struct jr_region *r = slot_at(m, addr, &i);
	if (r)
		o = r->owner[i];
	unlock(m);
	return o;
}

/* --- Regions --- */

static int class_of(uint64_t pages)
{
	for (int c = 0; c < JR_MEM_CLASSES; c++)
		if (pages <= class_pages[c])
			return c;
	return -1;
}

/* bytes at a granule-aligned address (so no other region shares its granules), NOHUGEPAGE. */
static int map_region(struct jr_memory *m, uint64_t bytes, uint64_t *base_out)
{
	if (!budget_allows(m, 1)) {
		m->st[JR_MS_ALLOC_REFUSED_MAPS]++;
		return -EMFILE;
	}
	uint64_t span = bytes + GRANULE;
	void *p = jr_k_map(span);
	if (!p) {
		int err = -errno;
		m->st[JR_MS_ALLOC_REFUSED_NOMEM]++;
		return err;
	}
	uint64_t a = (uint64_t)(uintptr_t)p, base = (a + GRANULE - 1) & ~(GRANULE - 1);
	if (base > a)
		jr_k_unmap(a, base - a);
	uint64_t end = (base + bytes + m->page_size - 1) & ~(m->page_size - 1);
	if (a + span > end)
		jr_k_unmap(end, a + span - end);
	int err = (base + bytes) >> VA_BITS ? -ENOMEM : jr_k_madvise(base, bytes, MADV_NOHUGEPAGE);
	if (err) {
		jr_k_unmap(base, bytes);
		m->st[JR_MS_ALLOC_REFUSED_NOMEM]++;
		return err;
	}
	maps_changed(m, 1);
	m->st[JR_MS_RESERVED_BYTES] += bytes;
	*base_out = base;
	return 0;
}

/* A region id with per-slot arrays for nslots (own mappings reuse the ids, and arrays, of freed ones). */
static struct jr_region *new_region(struct jr_memory *m, uint32_t nslots, uint32_t *rid_out)
{
	uint32_t rid;
	struct jr_region *r;
	if (nslots == 1 && m->free_region != NO_REGION) {
		rid = m->free_region;
		r = &m->regions[rid];
		m->free_region = r->next_partial;
	} else {
		if (m->nregions >= MAX_REGIONS)
			return NULL;
		uint32_t *owner = meta_take(m, (uint64_t)nslots * sizeof(uint32_t));
		uint32_t *link = meta_take(m, (uint64_t)nslots * sizeof(uint32_t));
		uint8_t *flags = meta_take(m, nslots);
		uint16_t *warm_pages = meta_take(m, (uint64_t)nslots * sizeof(uint16_t));
		if (!owner || !link || !flags || !warm_pages)
			return NULL;
		rid = m->nregions++;
		r = &m->regions[rid];
		r->owner = owner;
		r->link = link;
		r->flags = flags;
		r->warm_pages = warm_pages;
		r->nslots = nslots;
		for (uint32_t i = 0; i < nslots; i++)
			owner[i] = JR_MEM_FREE;
	}
	r->used = 0;
	r->free_head = NO_REGION;
	r->next_partial = NO_REGION;
	r->warm_head = NO_REGION;
	r->next_warm = NO_REGION;
	r->on_partial = 0;
	r->on_warm = 0;
	r->live = 0;
	*rid_out = rid;
	return r;
}

static uint32_t take_slot(struct jr_memory *m, struct jr_region *r)
{
	uint32_t i;
	if (r->free_head != NO_REGION) {
		i = r->free_head;
		r->free_head = r->link[i];
	} else {
		JR_CHECK(r->used < r->nslots, "slot taken from a full region");
		i = r->used++;
	}
	JR_CHECK(r->owner[i] == JR_MEM_FREE && r->flags[i] == 0, "slot %u taken while in use", i);
	r->warm_pages[i] = 0;
	owner_store(m, r, i, JR_MEM_HELD);
	r->live++;
	m->st[JR_MS_SLOT_BYTES] += r->slot_bytes;
	return i;
}

static int alloc_own(struct jr_memory *m, uint64_t len, uint64_t *base_out)
{
	uint64_t base;
	int err = map_region(m, len, &base);
	if (err)
		return err;
	uint32_t rid;
	struct jr_region *r = new_region(m, 1, &rid);
	if (r) {
		r->cls = OWN_CLASS;
		__atomic_store_n(&r->base, base, __ATOMIC_RELAXED);
		__atomic_store_n(&r->bytes, len, __ATOMIC_RELAXED);
		__atomic_store_n(&r->slot_bytes, len, __ATOMIC_RELAXED);
		err = radix_set(m, base, len, rid, 0);
		if (err) {
			r->next_partial = m->free_region;
			m->free_region = rid;
		}
	} else {
		err = -EMFILE;
	}
	if (err) {
		jr_k_unmap(base, len);
		maps_changed(m, -1);
		m->st[JR_MS_RESERVED_BYTES] -= len;
		m->st[err == -EMFILE ? JR_MS_ALLOC_REFUSED_MAPS : JR_MS_ALLOC_REFUSED_NOMEM]++;
		return err;
	}
	m->st[JR_MS_REGIONS]++;
	take_slot(m, r);
	*base_out = base;
	return 0;
}

static int new_slab(struct jr_memory *m, int cls, struct jr_region **out)
{
	uint64_t sb = (uint64_t)class_pages[cls] * m->page_size;
	uint32_t nslots = (uint32_t)(SLAB_BYTES / sb);
	if (nslots < SLAB_MIN_SLOTS)
		nslots = SLAB_MIN_SLOTS;
	uint64_t bytes = sb * nslots, base;
	int err = map_region(m, bytes, &base);
	if (err)
		return err;
	uint32_t rid;
	struct jr_region *r = new_region(m, nslots, &rid);
	err = r ? 0 : -EMFILE;
	if (r) {
		r->cls = (uint32_t)cls;
		__atomic_store_n(&r->base, base, __ATOMIC_RELAXED);
		__atomic_store_n(&r->bytes, bytes, __ATOMIC_RELAXED);
		__atomic_store_n(&r->slot_bytes, sb, __ATOMIC_RELAXED);
		err = radix_set(m, base, bytes, rid, 0);
		/* a slab's id is never reused: on failure it stays, unindexed and unused */
	}
	if (err) {
		jr_k_unmap(base, bytes);
		maps_changed(m, -1);
		m->st[JR_MS_RESERVED_BYTES] -= bytes;
		m->st[err == -EMFILE ? JR_MS_ALLOC_REFUSED_MAPS : JR_MS_ALLOC_REFUSED_NOMEM]++;
		return err;
	}
	m->st[JR_MS_REGIONS]++;
	r->on_partial = 1;
	r->next_partial = m->partial[cls];
	m->partial[cls] = rid;
	*out = r;
	return 0;
}

/* Check builds: a recycled slot reads zero over its whole slot (the JDK's zeroing is skipped for it). */
static void check_zero(uint64_t base, uint64_t len)
{
	const uint64_t *p = (const uint64_t *)(uintptr_t)base;
	for (uint64_t k = 0; k < len / sizeof(uint64_t); k++)
		JR_CHECK(p[k] == 0, "memory handed out at %llx is not zero at +%llu", (unsigned long long)base,
			 (unsigned long long)(k * sizeof(uint64_t)));
}

/* The class's most recently recycled slot, HELD now (under lock). */
static uint64_t take_warm(struct jr_memory *m, int cls)
{
	assert_writer(m);
	uint32_t rid = m->warm[cls];
	struct jr_region *r = &m->regions[rid];
	uint32_t i = r->warm_head;
	JR_CHECK(r->on_warm && i < r->used, "warm list of class %d names region %u without a warm slot", cls, rid);
	JR_CHECK(r->owner[i] == JR_MEM_FREE && (r->flags[i] & ~REG_HOT) == REG_WARM,
		 "warm slot %u of region %u is owned by %u with flags %u (registered, handed over or in use)", i, rid,
		 r->owner[i], r->flags[i]);
	r->warm_head = r->link[i];
	if (r->warm_head == NO_REGION) { /* no warm slot left: off the list, whose head it is */
		m->warm[cls] = r->next_warm;
		r->next_warm = NO_REGION;
		r->on_warm = 0;
	}
	if (JR_CHECKS_ON)
		check_zero(r->base + i * r->slot_bytes, r->slot_bytes);
	int hot = r->flags[i] & REG_HOT;
	if (hot)
		m->st[JR_MS_RECYCLED_HOT_BYTES] -= (uint64_t)r->warm_pages[i] * m->page_size;
	r->flags[i] = 0;
	m->st[JR_MS_RECYCLED_BYTES] -= (uint64_t)r->warm_pages[i] * m->page_size;
	if (!hot) /* lazyfree pages may be dropped any time: nothing known */
		r->warm_pages[i] = 0;
	m->st[JR_MS_RECYCLE_HITS]++;
	owner_store(m, r, i, JR_MEM_HELD);
	r->live++;
	m->st[JR_MS_SLOT_BYTES] += r->slot_bytes;
	return r->base + i * r->slot_bytes;
}

int jr_mem_alloc(struct jr_memory *m, uint64_t len, uint64_t *base_out)
{
	if (len == 0 || len % m->page_size)
		return -EINVAL;
	int cls = class_of(len / m->page_size);
	int err = 0;
	lock(m);
	if (cls < 0) {
		err = alloc_own(m, len, base_out);
	} else if (m->warm[cls] != NO_REGION) {
		*base_out = take_warm(m, cls);
	} else {
		struct jr_region *r = m->partial[cls] != NO_REGION ? &m->regions[m->partial[cls]] : NULL;
		if (!r)
			err = new_slab(m, cls, &r);
		if (!err) {
			uint32_t i = take_slot(m, r);
			if (r->free_head == NO_REGION && r->used == r->nslots) { /* full: off the partial list */
				JR_CHECK(m->partial[cls] == (uint32_t)(r - m->regions), "full region not at its list's head");
				m->partial[cls] = r->next_partial;
				r->on_partial = 0;
			}
			*base_out = r->base + i * r->slot_bytes;
		}
	}
	unlock(m);
	return err;
}

void jr_mem_free(struct jr_memory *m, uint64_t base)
{
	uint32_t i, rid = NO_REGION;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	JR_CHECK(r && base == r->base + i * r->slot_bytes, "free of %llx, not a slot", (unsigned long long)base);
	if (!r) {
		unlock(m);
		return;
	}
	JR_CHECK(r->owner[i] == JR_MEM_HELD && r->flags[i] == 0, "free of slot %llx owned by %u, flags %u",
		 (unsigned long long)base, r->owner[i], r->flags[i]);
	region_at(m, base, &rid);
	m->st[JR_MS_SLOT_BYTES] -= r->slot_bytes;
	if (r->cls == OWN_CLASS) {
		radix_set(m, r->base, r->bytes, rid, 1);
		owner_store(m, r, 0, JR_MEM_FREE);
		jr_k_unmap(r->base, r->bytes);
		maps_changed(m, -1);
		m->st[JR_MS_RESERVED_BYTES] -= r->bytes;
		m->st[JR_MS_REGIONS]--;
		r->next_partial = m->free_region;
		m->free_region = rid;
		unlock(m);
		return;
	}
	uint64_t sb = r->slot_bytes;
	unlock(m);
	/* Still HELD: nobody takes the slot meanwhile, and the lock is not held over the system call. */
	jr_k_madvise(base, sb, MADV_DONTNEED);
	lock(m);
	owner_store(m, r, i, JR_MEM_FREE);
	r->link[i] = r->free_head;
	r->free_head = i;
	r->live--;
	if (!r->on_partial) {
		r->on_partial = 1;
		r->next_partial = m->partial[r->cls];
		m->partial[r->cls] = rid;
	}
	unlock(m);
}

/*
 * Makes [base, base+len) of an unregistered slot read zero and returns the bytes it keeps. Present pages
 * (mincore) are zeroed, and with lazyfree MADV_FREE'd: kept, or dropped by the kernel and zero-filled at
 * the next touch (either way zero); the others are MADV_DONTNEED'd, which costs nothing for a page never touched and
 * drops a swapped-out one's swap entry (mincore counts it absent although it holds bytes). So a page the
 * range never touched is never faulted in here. Everything is zeroed without asking mincore when the
 * first known_present pages cover it (a slot taken hot: ordinary memory, present unless swapped out,
 * and a swapped page is read back and zeroed), or when mincore fails.
 */
static uint64_t zero_present(uint64_t base, uint64_t len, uint64_t ps, int lazyfree, uint64_t known_present)
{
	unsigned char vec[JR_MEM_MAX_CLASS_PAGES];
	uint64_t pages = len / ps, kept = 0;
	if (pages <= known_present || pages > JR_MEM_MAX_CLASS_PAGES || jr_k_mincore(base, len, vec) != 0) {
		memset((void *)(uintptr_t)base, 0, len);
		if (lazyfree)
			(void)jr_k_madvise(base, len, MADV_FREE);
		return len;
	}
	for (uint64_t p = 0; p < pages;) {
		uint64_t q = p;
		int present = vec[p] & 1;
		while (q < pages && (vec[q] & 1) == present)
			q++;
		uint64_t a = base + p * ps, n = (q - p) * ps;
		if (present) {
			memset((void *)(uintptr_t)a, 0, n);
			if (lazyfree) /* EINVAL before Linux 4.5: then kept as it is, still zero */
				(void)jr_k_madvise(a, n, MADV_FREE);
			kept += n;
		} else {
			jr_k_madvise(a, n, MADV_DONTNEED);
		}
		p = q;
	}
	return kept;
}

int jr_mem_recycle(struct jr_memory *m, uint64_t base, uint64_t used)
{
	uint32_t i, rid = NO_REGION;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	JR_CHECK(r && base == r->base + i * r->slot_bytes, "recycle of %llx, not a slot", (unsigned long long)base);
	if (!r) {
		unlock(m);
		return 0;
	}
	JR_CHECK(r->owner[i] == JR_MEM_HELD && r->flags[i] == 0, "recycle of slot %llx owned by %u, flags %u",
		 (unsigned long long)base, r->owner[i], r->flags[i]);
	used = (used + m->page_size - 1) & ~(m->page_size - 1);
	if (used > r->slot_bytes)
		used = r->slot_bytes;
	int keep = r->cls != OWN_CLASS && used > 0 && r->flags[i] == 0 &&
		   m->st[JR_MS_RECYCLED_BYTES] + used <= m->recycle_max;
	if (!keep) {
		if (r->cls != OWN_CLASS && m->recycle_max > 0)
			m->st[JR_MS_RECYCLE_REFUSED]++;
		unlock(m);
		jr_mem_free(m, base);
		return 0;
	}
	m->st[JR_MS_RECYCLED_BYTES] += used; /* counted from here, so concurrent frees stay within the bound */
	uint64_t hot_max = m->recycle_max < JR_MEM_HOT_BYTES ? m->recycle_max : JR_MEM_HOT_BYTES;
	int hot = m->st[JR_MS_RECYCLED_HOT_BYTES] + used <= hot_max;
	if (hot)
		m->st[JR_MS_RECYCLED_HOT_BYTES] += used;
	region_at(m, base, &rid);
	uint64_t sb = r->slot_bytes, known = r->warm_pages[i];
	unlock(m);
	/* Still HELD: nobody takes the slot meanwhile, and the lock is not held over the work. */
	uint64_t kept = zero_present(base, used, m->page_size, !hot, known);
	if (used < sb)
		jr_k_madvise(base + used, sb - used, MADV_DONTNEED); /* past the range: nothing legitimate wrote it */
	lock(m);
	m->st[JR_MS_RECYCLED_BYTES] -= used - kept;
	if (hot)
		m->st[JR_MS_RECYCLED_HOT_BYTES] -= used - kept;
	m->st[JR_MS_SLOT_BYTES] -= sb;
	r->flags[i] = REG_WARM | (hot ? REG_HOT : 0);
	r->warm_pages[i] = (uint16_t)(kept / m->page_size);
	owner_store(m, r, i, JR_MEM_FREE);
	r->link[i] = r->warm_head;
	r->warm_head = i;
	r->live--;
	if (!r->on_warm) {
		r->on_warm = 1;
		r->next_warm = m->warm[r->cls];
		m->warm[r->cls] = rid;
	}
	unlock(m);
	return 1;
}

void jr_mem_set_recycle_max(struct jr_memory *m, uint64_t bytes)
{
	lock(m);
	m->recycle_max = bytes; /* what is held already stays until taken; no new slot past the bound */
	unlock(m);
}

void jr_mem_hand_over(struct jr_memory *m, uint64_t base, uint64_t len)
{
	uint32_t i;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	JR_CHECK(r && r->owner[i] == JR_MEM_HELD && !(r->flags[i] & REG_REGISTERED), "hand-over of %llx, not a held slot",
		 (unsigned long long)base);
	if (r) {
		r->flags[i] |= REG_HANDED;
		r->link[i] = (uint32_t)(len / m->page_size);
		m->st[JR_MS_SLOT_BYTES] -= r->slot_bytes;
		m->st[JR_MS_HANDED_BYTES] += r->slot_bytes;
	}
	unlock(m);
}

/* --- Registration --- */

/* Mappings a registration of slot i adds (unregistration: the negation), from its neighbours. */
static int64_t split_delta(const struct jr_region *r, uint32_t i)
{
	if (r->cls == OWN_CLASS)
		return 0; /* a whole mapping: no split (it may merge with a neighbour: the estimate errs high) */
	int left = i > 0 && (r->flags[i - 1] & REG_REGISTERED);
	int right = i + 1 < r->used && (r->flags[i + 1] & REG_REGISTERED);
	return 2 - 2 * (left + right);
}

int jr_mem_register(struct jr_memory *m, int uffd, uint64_t base, uint64_t len, int wp)
{
	uint32_t i;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	int err = -EINVAL;
	if (r && base + len <= r->base + (i + 1) * r->slot_bytes && !(r->flags[i] & REG_REGISTERED)) {
		int64_t d = split_delta(r, i);
		if (d > 0 && !budget_allows(m, d)) {
			err = -EMFILE;
		} else {
			err = jr_k_register(uffd, r->base + i * r->slot_bytes, r->slot_bytes, wp);
			if (!err) {
				r->flags[i] |= REG_REGISTERED;
				maps_changed(m, d);
			}
		}
		if (err == -EMFILE || err == -ENOMEM)
			m->st[JR_MS_REGISTER_REFUSED]++;
	}
	unlock(m);
	return err;
}

int jr_mem_unregister(struct jr_memory *m, int uffd, uint64_t base, uint64_t len)
{
	uint32_t i;
	lock(m);
	struct jr_region *r = slot_at(m, base, &i);
	int err = -EINVAL;
	if (r && base + len <= r->base + (i + 1) * r->slot_bytes && (r->flags[i] & REG_REGISTERED)) {
		err = jr_k_unregister(uffd, r->base + i * r->slot_bytes, r->slot_bytes);
		if (!err) {
			r->flags[i] &= (uint8_t)~REG_REGISTERED;
			maps_changed(m, -split_delta(r, i));
		}
	}
	unlock(m);
	return err;
}

/* --- Life --- */

int jr_mem_init(struct jr_memory *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	m->meta_bytes = META_BYTES;
	m->meta = jr_k_map(META_BYTES);
	if (!m->meta)
		return -ENOMEM;
	lock(m);
	m->radix = meta_take(m, TOP_ENTRIES * sizeof(uint32_t *));
	m->regions = meta_take(m, MAX_REGIONS * sizeof(struct jr_region));
	unlock(m);
	m->free_region = NO_REGION;
	for (int c = 0; c < JR_MEM_CLASSES; c++)
		m->partial[c] = m->warm[c] = NO_REGION;
	m->recycle_max = 0; /* jr_mem_recycle frees until jr_mem_set_recycle_max */
	m->max_map_count = read_number("/proc/sys/vm/max_map_count", 65530);
	jr_mem_set_map_limit(m, 0);
	return 0;
}

void jr_mem_destroy(struct jr_memory *m)
{
	if (!m->meta)
		return;
	lock(m);
	for (uint32_t rid = 0; rid < m->nregions; rid++) {
		struct jr_region *r = &m->regions[rid];
		if (r->cls == OWN_CLASS || !r->bytes)
			continue; /* an own mapping still here is live or handed over: left alone */
		uint64_t run = 0, run_len = 0;
		for (uint32_t i = 0; i <= r->nslots; i++) {
			int keep = i < r->nslots && i < r->used && r->owner[i] != JR_MEM_FREE;
			uint64_t s = r->base + i * r->slot_bytes;
			if (i < r->nslots && !keep) {
				if (!run_len)
					run = s;
				run_len += r->slot_bytes;
				continue;
			}
			if (run_len)
				jr_k_unmap(run, run_len);
			run_len = 0;
			if (keep && (r->flags[i] & REG_HANDED)) { /* the caller owns its first pages only */
				uint64_t own = (uint64_t)r->link[i] * m->page_size;
				if (own < r->slot_bytes)
					jr_k_unmap(s + own, r->slot_bytes - own);
			}
		}
	}
	unlock(m);
	jr_k_unmap((uint64_t)(uintptr_t)m->meta, m->meta_bytes);
	m->meta = NULL;
	pthread_mutex_destroy(&m->lock);
}

int jr_mem_stats(struct jr_memory *m, uint64_t *out, int n)
{
	if (n < 0)
		return -EINVAL;
	if (n > JR_MS_COUNT)
		n = JR_MS_COUNT;
	lock(m);
	m->st[JR_MS_MAPS] = (uint64_t)maps_estimate(m);
	m->st[JR_MS_MAP_LIMIT] = (uint64_t)m->map_limit;
	m->st[JR_MS_MAX_MAP_COUNT] = (uint64_t)m->max_map_count;
	for (int i = 0; i < n; i++)
		out[i] = m->st[i];
	unlock(m);
	return n;
}
