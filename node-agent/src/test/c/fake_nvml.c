/*
 * A stand-in for libnvidia-ml.so.1 with two scripted GPUs, so the JNA binding (symbol names,
 * argument types, struct layouts) is tested on machines without NVIDIA hardware.
 * Compiled with -DFAKE_FAIL_INIT=<code> (or run with FAKE_NVML_FAIL_INIT=<code>), nvmlInit_v2 fails
 * with that nvmlReturn_t.
 * FAKE_NVML_UTIL0=<percent> sets GPU 0's utilization.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct fake_device { int index; } *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;

static struct fake_device devices[2] = {{0}, {1}};
static int initialized = 0;

static int valid(nvmlDevice_t d) { return initialized && (d == &devices[0] || d == &devices[1]); }

static nvmlReturn_t copy(char *dst, unsigned int len, const char *src) {
  if (strlen(src) + 1 > len) return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
  strcpy(dst, src);
  return 0;
}

nvmlReturn_t nvmlInit_v2(void) {
#ifdef FAKE_FAIL_INIT
  return FAKE_FAIL_INIT;
#endif
  const char *fail = getenv("FAKE_NVML_FAIL_INIT");
  if (fail) return atoi(fail);
  initialized = 1;
  return 0;
}

nvmlReturn_t nvmlShutdown(void) { initialized = 0; return 0; }

const char *nvmlErrorString(nvmlReturn_t r) {
  switch (r) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 9: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  if (!initialized) return 1;
  return copy(version, length, "580.65.06");
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
  if (!initialized) return 1;
  *count = 2;
  return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (!initialized) return 1;
  if (index > 1) return 2;
  *device = &devices[index];
  return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length) {
  if (!valid(d)) return 2;
  return copy(name, length, "NVIDIA H100 80GB HBM3");
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length) {
  if (!valid(d)) return 2;
  return copy(uuid, length, d->index == 0 ? "GPU-11111111-2222-3333-4444-555555555555"
                                          : "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
  if (!valid(d)) return 2;
  m->total = 85520809984ULL;
  m->used = d->index == 0 ? 1234567890ULL : 5000000000ULL;
  m->free = m->total - m->used;
  return 0;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *p) {
  if (!valid(d)) return 2;
  memset(p, 0, sizeof(*p));
  p->domain = 0;
  p->bus = d->index == 0 ? 0x1b : 0x43;
  p->device = 0;
  p->pciDeviceId = 0x233010de;
  p->pciSubSystemId = 0x16c110de;
  snprintf(p->busIdLegacy, sizeof(p->busIdLegacy), "0000:%02X:00.0", p->bus);
  snprintf(p->busId, sizeof(p->busId), "00000000:%02X:00.0", p->bus);
  return 0;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
  if (!valid(d)) return 2;
  const char *util0 = getenv("FAKE_NVML_UTIL0");
  u->gpu = d->index == 0 ? (util0 ? (unsigned) atoi(util0) : 97) : 3;
  u->memory = d->index == 0 ? 55 : 1;
  return 0;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *temp) {
  if (!valid(d) || sensor != 0) return 2;
  *temp = d->index == 0 ? 71 : 34;
  return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw) {
  if (!valid(d)) return 2;
  if (d->index == 1) return 3; /* Not Supported: the backend must report -1 */
  *mw = 612345;
  return 0;
}
