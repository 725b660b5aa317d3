/*
 * A stand-in for libnvidia-ml.so.1 with four scripted GPUs, so the JNA binding (symbol names,
 * argument types, struct layouts) and the health monitor are tested on machines without NVIDIA
 * hardware. Signatures and struct layouts follow nvml.h of NVML 12.
 *
 * The node:
 *   GPU 0, 1  NVIDIA H100 80GB HBM3, joined by 4 active NVLinks (links 0-3), PCIe path PXB
 *             (MULTIPLE); GPU 1 has MIG enabled; both watch XID, single- and double-bit ECC events
 *   GPU 2, 3  NVIDIA A100-PCIE-40GB without NVLink behind one PCIe switch (PIX / SINGLE); GPU 2
 *             watches XID events only, GPU 3 none; GPU 3 has no serial and no MIG support
 *   any other pair: SYS (SYSTEM). Thresholds: slowdown 87 C, shutdown 92 C. GPU 1 has no power
 *   reading (NVML_ERROR_NOT_SUPPORTED).
 *
 * Compiled with -DFAKE_FAIL_INIT=<code> (or run with FAKE_NVML_FAIL_INIT=<code>), nvmlInit_v2 fails
 * with that nvmlReturn_t. FAKE_NVML_UTIL0=<percent> sets GPU 0's utilization.
 *
 * Scripting: FAKE_NVML_SCRIPT=/path/file is re-read whenever its modification time or size
 * changes. One directive a line, '#' starts a comment, GPU is an index 0-3, numbers are decimal
 * (or 0x hex for masks):
 *   xid GPU N                  an XID event, delivered once by nvmlEventSetWait_v2 (xid lines are
 *                              delivered in file order; append lines to add events)
 *   ecc_sbe GPU N              volatile (and aggregate) corrected ECC count; a rise also delivers
 *   ecc_dbe GPU N              ... uncorrected count  a single- / double-bit ECC event
 *   retired_pages GPU S D      pages retired for multiple single-bit (S) and double-bit (D) errors
 *   retired_pending GPU 0|1    nvmlDeviceGetRetiredPagesPendingStatus
 *   remap_rows GPU C U         rows remapped for correctable (C) and uncorrectable (U) errors
 *   remap_pending GPU 0|1      row remapping pending
 *   remap_failure GPU 0|1      row remapping failure occurred
 *   temp GPU C                 current temperature
 *   clock GPU MHZ              SM clock
 *   reasons GPU MASK           clock event reasons bitmask
 *   pcie_replay GPU N          PCIe replay counter
 *   nvlink_errors GPU N        NVLink DL_REPLAY counter of the GPU's first link
 *   lost GPU                   every call about the GPU answers NVML_ERROR_GPU_IS_LOST (15)
 *   fail FUNCTION CODE [GPU]   FUNCTION (e.g. nvmlDeviceGetCurrentClocksEventReasons) answers CODE,
 *                              for every GPU or one (3 = not supported, 13 = function not found)
 *   fail_all CODE              every device call answers CODE (NVML broken as a whole)
 *
 * A JVM cannot change its own environment, so in-process tests call the extra (non-NVML) symbol
 * fake_nvml_set_script(path) instead; it also forces a re-read, whatever the file's timestamps.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GPUS 4
#define MAX_XIDS 256
#define MAX_FAILS 32
#define NVLINKS 18

typedef int nvmlReturn_t;
typedef struct fake_device { int index; } *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;
typedef struct {
  nvmlDevice_t device;
  unsigned long long eventType;
  unsigned long long eventData;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
} nvmlEventData_t;

struct fake_set {
  unsigned long long types[GPUS];
  unsigned long long seen_sbe[GPUS], seen_dbe[GPUS];
};
typedef struct fake_set *nvmlEventSet_t;

struct gpu_state {
  unsigned long long sbe, dbe;
  unsigned int retired_sbe, retired_dbe, retired_pending;
  unsigned int remap_corr, remap_unc, remap_pending, remap_failure;
  int temp, clock;
  long long reasons;
  unsigned int pcie_replay;
  unsigned long long nvlink_errors;
  int lost;
};

struct fail_rule { char fn[64]; int code; int gpu; };

static struct {
  struct gpu_state gpu[GPUS];
  int xid_gpu[MAX_XIDS];
  unsigned long long xid[MAX_XIDS];
  int xids;
  struct fail_rule fails[MAX_FAILS];
  int nfails;
  int fail_all;
} script;

static struct fake_device devices[GPUS] = {{0}, {1}, {2}, {3}};
static const unsigned int BUS[GPUS] = {0x1b, 0x43, 0x81, 0x82};
static int initialized = 0;
static int xids_delivered = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec script_mtime;
static off_t script_size = -1;
static char script_override[4096];

static void defaults(void) {
  memset(&script, 0, sizeof(script));
  const int temps[GPUS] = {71, 34, 40, 41};
  const int clocks[GPUS] = {1980, 345, 1410, 210};
  const long long reasons[GPUS] = {0x0, 0x1, 0x4, 0x1};
  for (int i = 0; i < GPUS; i++) {
    script.gpu[i].temp = temps[i];
    script.gpu[i].clock = clocks[i];
    script.gpu[i].reasons = reasons[i];
  }
}

static void parse(FILE *f) {
  char line[256];
  while (fgets(line, sizeof(line), f)) {
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char word[64] = {0}, fn[64] = {0};
    long long a = -1, b = -1, c = -1;
    char na[32] = {0};
    int n = sscanf(line, "%63s %63s %31s %lld", word, fn, na, &c);
    if (n < 1) continue;
    if (strcmp(word, "fail") == 0) {
      if (n >= 3 && script.nfails < MAX_FAILS) {
        struct fail_rule *r = &script.fails[script.nfails++];
        snprintf(r->fn, sizeof(r->fn), "%s", fn);
        r->code = atoi(na);
        r->gpu = n >= 4 ? (int) c : -1;
      }
      continue;
    }
    if (strcmp(word, "fail_all") == 0) {
      script.fail_all = atoi(fn);
      continue;
    }
    a = strtoll(fn, NULL, 0);
    b = n >= 3 ? strtoll(na, NULL, 0) : -1;
    if (a < 0 || a >= GPUS) continue;
    struct gpu_state *g = &script.gpu[a];
    if (strcmp(word, "lost") == 0) g->lost = 1;
    else if (n < 3) continue;
    else if (strcmp(word, "xid") == 0 && script.xids < MAX_XIDS) {
      script.xid_gpu[script.xids] = (int) a;
      script.xid[script.xids++] = (unsigned long long) b;
    }
    else if (strcmp(word, "ecc_sbe") == 0) g->sbe = (unsigned long long) b;
    else if (strcmp(word, "ecc_dbe") == 0) g->dbe = (unsigned long long) b;
    else if (strcmp(word, "retired_pages") == 0) { g->retired_sbe = (unsigned) b; g->retired_dbe = n >= 4 ? (unsigned) c : 0; }
    else if (strcmp(word, "retired_pending") == 0) g->retired_pending = (unsigned) b;
    else if (strcmp(word, "remap_rows") == 0) { g->remap_corr = (unsigned) b; g->remap_unc = n >= 4 ? (unsigned) c : 0; }
    else if (strcmp(word, "remap_pending") == 0) g->remap_pending = (unsigned) b;
    else if (strcmp(word, "remap_failure") == 0) g->remap_failure = (unsigned) b;
    else if (strcmp(word, "temp") == 0) g->temp = (int) b;
    else if (strcmp(word, "clock") == 0) g->clock = (int) b;
    else if (strcmp(word, "reasons") == 0) g->reasons = b;
    else if (strcmp(word, "pcie_replay") == 0) g->pcie_replay = (unsigned) b;
    else if (strcmp(word, "nvlink_errors") == 0) g->nvlink_errors = (unsigned long long) b;
  }
}

/* Re-reads the script when it changed; the caller holds the lock. */
static void reload(void) {
  const char *path = script_override[0] ? script_override : getenv("FAKE_NVML_SCRIPT");
  struct stat st;
  if (!path || stat(path, &st) != 0) {
    if (script_size != -2) {
      defaults();
      script_size = -2;
    }
    return;
  }
  if (st.st_size == script_size && st.st_mtim.tv_sec == script_mtime.tv_sec && st.st_mtim.tv_nsec == script_mtime.tv_nsec) {
    return;
  }
  FILE *f = fopen(path, "r");
  if (!f) return;
  defaults();
  parse(f);
  fclose(f);
  script_size = st.st_size;
  script_mtime = st.st_mtim;
}

void fake_nvml_set_script(const char *path) {
  pthread_mutex_lock(&lock);
  snprintf(script_override, sizeof(script_override), "%s", path ? path : "");
  script_size = -1;
  reload();
  pthread_mutex_unlock(&lock);
}

static int index_of(nvmlDevice_t d) {
  for (int i = 0; i < GPUS; i++) if (d == &devices[i]) return i;
  return -1;
}

/* The answer of a device call before it does anything: 0, or the error it must return. */
static nvmlReturn_t enter(const char *fn, nvmlDevice_t d, int *index) {
  pthread_mutex_lock(&lock);
  reload();
  int i = index_of(d);
  *index = i;
  nvmlReturn_t rc = 0;
  if (!initialized) rc = 1;
  else if (i < 0) rc = 2;
  else if (script.fail_all) rc = script.fail_all;
  else if (script.gpu[i].lost) rc = 15;
  else {
    for (int k = 0; k < script.nfails; k++) {
      if (strcmp(script.fails[k].fn, fn) == 0 && (script.fails[k].gpu < 0 || script.fails[k].gpu == i)) {
        rc = script.fails[k].code;
        break;
      }
    }
  }
  if (rc != 0) pthread_mutex_unlock(&lock);
  return rc;
}

#define ENTER(d)                          \
  int idx;                                \
  nvmlReturn_t rc_ = enter(__func__, d, &idx); \
  if (rc_ != 0) return rc_;               \
  struct gpu_state *g = &script.gpu[idx]; \
  (void) g;
#define LEAVE(value)                \
  do {                              \
    pthread_mutex_unlock(&lock);    \
    return value;                   \
  } while (0)

static nvmlReturn_t copy(char *dst, unsigned int len, const char *src) {
  if (strlen(src) + 1 > len) return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
  strcpy(dst, src);
  return 0;
}

static void bus_id(int i, char *dst, size_t len) {
  snprintf(dst, len, "00000000:%02X:00.0", BUS[i]);
}

nvmlReturn_t nvmlInit_v2(void) {
#ifdef FAKE_FAIL_INIT
  return FAKE_FAIL_INIT;
#endif
  const char *fail = getenv("FAKE_NVML_FAIL_INIT");
  if (fail) return atoi(fail);
  pthread_mutex_lock(&lock);
  initialized = 1;
  xids_delivered = 0;
  script_size = -1;
  reload();
  pthread_mutex_unlock(&lock);
  return 0;
}

nvmlReturn_t nvmlShutdown(void) { initialized = 0; return 0; }

const char *nvmlErrorString(nvmlReturn_t r) {
  switch (r) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 10: return "Timeout";
    case 13: return "Function Not Found";
    case 15: return "GPU is lost";
    default: return "Unknown Error";
  }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  if (!initialized) return 1;
  return copy(version, length, "580.65.06");
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
  if (!initialized) return 1;
  *count = GPUS;
  return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (!initialized) return 1;
  if (index >= GPUS) return 2;
  *device = &devices[index];
  return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length) {
  ENTER(d);
  LEAVE(copy(name, length, idx < 2 ? "NVIDIA H100 80GB HBM3" : "NVIDIA A100-PCIE-40GB"));
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length) {
  static const char *uuids[GPUS] = {"GPU-11111111-2222-3333-4444-555555555555", "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                                    "GPU-22222222-3333-4444-5555-666666666666", "GPU-33333333-4444-5555-6666-777777777777"};
  ENTER(d);
  LEAVE(copy(uuid, length, uuids[idx]));
}

nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t d, char *serial, unsigned int length) {
  static const char *serials[GPUS] = {"1654922001234", "1654922005678", "1324021009999", NULL};
  ENTER(d);
  if (!serials[idx]) LEAVE(3);
  LEAVE(copy(serial, length, serials[idx]));
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
  ENTER(d);
  m->total = idx < 2 ? 85520809984ULL : 42949672960ULL;
  m->used = idx == 0 ? 1234567890ULL : idx == 1 ? 5000000000ULL : 1000000ULL;
  m->free = m->total - m->used;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *p) {
  ENTER(d);
  memset(p, 0, sizeof(*p));
  p->domain = 0;
  p->bus = BUS[idx];
  p->device = 0;
  p->pciDeviceId = idx < 2 ? 0x233010de : 0x20f110de;
  p->pciSubSystemId = 0x16c110de;
  snprintf(p->busIdLegacy, sizeof(p->busIdLegacy), "0000:%02X:00.0", p->bus);
  bus_id(idx, p->busId, sizeof(p->busId));
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int *current, unsigned int *pending) {
  ENTER(d);
  if (idx == 3) LEAVE(3);
  *current = idx == 1 ? 1 : 0;
  *pending = *current;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetTopologyCommonAncestor(nvmlDevice_t d1, nvmlDevice_t d2, int *level) {
  int j = index_of(d2);
  ENTER(d1);
  if (j < 0) LEAVE(2);
  int lo = idx < j ? idx : j, hi = idx < j ? j : idx;
  *level = lo == hi ? 0 : (lo == 0 && hi == 1) ? 20 : (lo == 2 && hi == 3) ? 10 : 50;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t d, unsigned int link, int *isActive) {
  ENTER(d);
  if (idx >= 2) LEAVE(3);
  if (link >= NVLINKS) LEAVE(2);
  *isActive = link < 4 ? 1 : 0;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t d, unsigned int link, nvmlPciInfo_t *p) {
  ENTER(d);
  if (idx >= 2) LEAVE(3);
  if (link >= 4) LEAVE(2);
  int peer = idx == 0 ? 1 : 0;
  memset(p, 0, sizeof(*p));
  p->bus = BUS[peer];
  /* the legacy format on purpose: the agent must match it to "00000000:43:00.0" */
  snprintf(p->busId, sizeof(p->busId), "0000:%02x:00.0", BUS[peer]);
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetNvLinkErrorCounter(nvmlDevice_t d, unsigned int link, int counter, unsigned long long *value) {
  ENTER(d);
  if (idx >= 2) LEAVE(3);
  if (link >= 4) LEAVE(2);
  if (counter == 4) LEAVE(3); /* DL_ECC_DATA: not on this GPU generation */
  *value = (link == 0 && counter == 0) ? g->nvlink_errors : 0;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
  ENTER(d);
  const char *util0 = getenv("FAKE_NVML_UTIL0");
  u->gpu = idx == 0 ? (util0 ? (unsigned) atoi(util0) : 97) : idx == 1 ? 3 : 0;
  u->memory = idx == 0 ? 55 : 1;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *temp) {
  ENTER(d);
  if (sensor != 0) LEAVE(2);
  *temp = (unsigned) g->temp;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t d, int type, unsigned int *temp) {
  ENTER(d);
  if (type == 0) *temp = 92;
  else if (type == 1) *temp = 87;
  else LEAVE(3);
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) {
  ENTER(d);
  if (idx == 1) LEAVE(3); /* Not Supported: the backend must report -1 */
  *mw = idx == 0 ? 612345 : 80000;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *mhz) {
  ENTER(d);
  if (type != 1) LEAVE(2); /* only NVML_CLOCK_SM is scripted */
  *mhz = (unsigned) g->clock;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *reasons) {
  ENTER(d);
  *reasons = (unsigned long long) g->reasons;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *reasons) {
  ENTER(d);
  *reasons = (unsigned long long) g->reasons;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int errorType, int counterType, unsigned long long *count) {
  ENTER(d);
  if (errorType < 0 || errorType > 1 || counterType < 0 || counterType > 1) LEAVE(2);
  *count = errorType == 0 ? g->sbe : g->dbe;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t d, int cause, unsigned int *pageCount, unsigned long long *addresses) {
  ENTER(d);
  if (cause < 0 || cause > 1 || !pageCount) LEAVE(2);
  unsigned int n = cause == 0 ? g->retired_sbe : g->retired_dbe;
  if (*pageCount < n) {
    *pageCount = n;
    LEAVE(7);
  }
  for (unsigned int k = 0; k < n && addresses; k++) addresses[k] = 0x1000ULL * (k + 1);
  *pageCount = n;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, int *isPending) {
  ENTER(d);
  *isPending = g->retired_pending ? 1 : 0;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned int *corr, unsigned int *unc, unsigned int *pending,
                                       unsigned int *failure) {
  ENTER(d);
  *corr = g->remap_corr;
  *unc = g->remap_unc;
  *pending = g->remap_pending;
  *failure = g->remap_failure;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t d, unsigned int *value) {
  ENTER(d);
  *value = g->pcie_replay;
  LEAVE(0);
}

nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t d, unsigned long long *types) {
  ENTER(d);
  *types = idx < 2 ? 0xBULL : idx == 2 ? 0x8ULL : 0x0ULL;
  LEAVE(0);
}

nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
  if (!initialized) return 1;
  *set = calloc(1, sizeof(struct fake_set));
  return *set ? 0 : 20; /* NVML_ERROR_MEMORY */
}

nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t d, unsigned long long types, nvmlEventSet_t set) {
  ENTER(d);
  unsigned long long supported = idx < 2 ? 0xBULL : idx == 2 ? 0x8ULL : 0x0ULL;
  if (!set || (types & ~supported)) LEAVE(3);
  set->types[idx] |= types;
  set->seen_sbe[idx] = g->sbe;
  set->seen_dbe[idx] = g->dbe;
  LEAVE(0);
}

/* The next event for this set, if any; the caller holds the lock. */
static int next_event(nvmlEventSet_t set, nvmlEventData_t *data) {
  while (xids_delivered < script.xids) {
    int i = script.xid_gpu[xids_delivered];
    unsigned long long x = script.xid[xids_delivered++];
    if (set->types[i] & 0x8ULL) {
      data->device = &devices[i];
      data->eventType = 0x8ULL;
      data->eventData = x;
      data->gpuInstanceId = 0xFFFFFFFFu;
      data->computeInstanceId = 0xFFFFFFFFu;
      return 1;
    }
  }
  for (int i = 0; i < GPUS; i++) {
    struct gpu_state *g = &script.gpu[i];
    unsigned long long type = 0;
    if ((set->types[i] & 0x2ULL) && g->dbe > set->seen_dbe[i]) type = 0x2ULL;
    else if ((set->types[i] & 0x1ULL) && g->sbe > set->seen_sbe[i]) type = 0x1ULL;
    set->seen_dbe[i] = g->dbe;
    set->seen_sbe[i] = g->sbe;
    if (type) {
      data->device = &devices[i];
      data->eventType = type;
      data->eventData = 0;
      data->gpuInstanceId = 0xFFFFFFFFu;
      data->computeInstanceId = 0xFFFFFFFFu;
      return 1;
    }
  }
  return 0;
}

nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
  if (!initialized) return 1;
  if (!set || !data) return 2;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    pthread_mutex_lock(&lock);
    reload();
    int fail = script.fail_all;
    int got = fail ? 0 : next_event(set, data);
    pthread_mutex_unlock(&lock);
    if (fail) return fail;
    if (got) return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
    if (elapsed >= (long) timeoutms) return 10; /* NVML_ERROR_TIMEOUT */
    usleep(5000);
  }
}

nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
  free(set);
  return 0;
}
