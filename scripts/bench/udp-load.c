// A lean DNS load generator for scripts/bench-dns-cores.sh and scripts/bench-dns.sh
// (BENCH_DNS_CLIENT=udp-load); built by bench_build_udp_load in scripts/bench/lib.sh.
//
// Why not dnsperf: on a machine with two cores, dnsperf needs most of one core to load a server
// that answers 100,000+ queries/s, so a server given "both cores" really gets one core plus
// what dnsperf leaves. This client keeps a window of queries in flight over one connected UDP
// socket and moves them in batches (sendmmsg/recvmmsg), so it costs a fraction of dnsperf's CPU
// per query; it prints its own CPU per reply so a run shows how much it took.
//
// Usage: udp-load ADDRESS PORT QUERYFILE SECONDS [WINDOW] [edns]
//   QUERYFILE: dnsperf's format, one "name TYPE" a line (TYPE: A, NS, SOA, TXT, AAAA, ANY)
//   WINDOW:    queries in flight at most (default 500); when no reply comes for 200 ms, every
//              query in flight counts as lost and the window is refilled
//   edns:      add an OPT record (EDNS0, 1232-byte payload, DO bit) to every query
// Prints one line of "name value" pairs: replies/s, replies, sent, lost, unanswered_at_end (in
// flight when time ran out: not lost), noerror, nxdomain, other (rcodes), and this process's
// CPU per reply in µs. Sends only to the given address (the scripts give 127.0.0.1).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_QUERY 300
#define MAX_QUERIES 1000000
#define LOSS_AFTER_NS 200000000LL

struct query {
  uint16_t length;
  uint8_t wire[MAX_QUERY];
};

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int type_code(const char *name) {
  static const struct { const char *name; int code; } types[] = {
    {"A", 1}, {"NS", 2}, {"SOA", 6}, {"TXT", 16}, {"AAAA", 28}, {"ANY", 255},
  };
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcasecmp(name, types[i].name) == 0) return types[i].code;
  return -1;
}

// Encodes "name TYPE" as a query; returns its length, or 0 if the line is not a query.
static size_t encode(const char *line, uint16_t id, int edns, uint8_t *out) {
  char name[256], type[16];
  if (sscanf(line, "%255s %15s", name, type) != 2) return 0;
  int code = type_code(type);
  if (code < 0) return 0;
  uint8_t *p = out;
  const uint8_t header[12] = {id >> 8, id & 0xff, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0};
  memcpy(p, header, sizeof header);
  p += sizeof header;
  for (char *label = strtok(name, "."); label; label = strtok(NULL, ".")) {
    size_t n = strlen(label);
    if (n == 0 || n > 63 || (size_t)(p - out) + n + 2 > MAX_QUERY - 20) return 0;
    *p++ = (uint8_t)n;
    memcpy(p, label, n);
    p += n;
  }
  *p++ = 0;
  *p++ = 0; *p++ = (uint8_t)code; *p++ = 0; *p++ = 1;  // QTYPE, QCLASS IN
  if (edns) {
    // root owner, TYPE OPT (41), payload 1232, extended rcode 0, version 0, DO, no options
    const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};
    memcpy(p, opt, sizeof opt);
    p += sizeof opt;
  }
  return (size_t)(p - out);
}

static size_t load_queries(const char *path, int edns, struct query *queries) {
  FILE *file = fopen(path, "r");
  if (!file) { perror(path); exit(1); }
  char line[512];
  size_t count = 0;
  while (count < MAX_QUERIES && fgets(line, sizeof line, file)) {
    size_t n = encode(line, (uint16_t)count, edns, queries[count].wire);
    if (n > 0) queries[count++].length = (uint16_t)n;
  }
  fclose(file);
  return count;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: udp-load ADDRESS PORT QUERYFILE SECONDS [WINDOW] [edns]\n");
    return 2;
  }
  const double seconds = atof(argv[4]);
  const long window = argc > 5 ? atol(argv[5]) : 500;
  const int edns = argc > 6 && strcmp(argv[6], "edns") == 0;
  if (seconds <= 0 || seconds > 600 || window < 1 || window > 100000) {
    fprintf(stderr, "udp-load: SECONDS must be in (0, 600] and WINDOW in [1, 100000]\n");
    return 2;
  }

  struct query *queries = calloc(MAX_QUERIES, sizeof *queries);
  if (!queries) { perror("calloc"); return 1; }
  const size_t count = load_queries(argv[3], edns, queries);
  if (count == 0) { fprintf(stderr, "udp-load: no queries in %s\n", argv[3]); return 1; }

  struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
    fprintf(stderr, "udp-load: %s is not an IPv4 address\n", argv[1]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&server, sizeof server) != 0) {
    perror("udp-load: socket");
    return 1;
  }
  int buffer = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);

  static uint8_t replies[BATCH][1500];
  struct mmsghdr out[BATCH], in[BATCH];
  struct iovec out_iov[BATCH], in_iov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    in_iov[i] = (struct iovec){.iov_base = replies[i], .iov_len = sizeof replies[i]};
    in[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &in_iov[i], .msg_iovlen = 1}};
  }

  long long sent = 0, received = 0, lost = 0, noerror = 0, nxdomain = 0, other = 0;
  long in_flight = 0;
  size_t next = 0;
  const double cpu_at_start = cpu_seconds();
  const int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9);
  int64_t last_reply = start;
  // Sends go out in whole batches once a batch's room is free; when a read finds only a few
  // replies, it waits 100 us for more before reading again. Both keep this client's CPU per
  // query low when the server is the slower side, which is what a benchmark wants.
  const long send_at = window < BATCH ? window : BATCH;
  for (int64_t now = start; now < end; now = now_ns()) {
    if (window - in_flight >= send_at) {
      for (int i = 0; i < send_at; i++) {
        struct query *q = &queries[next];
        next = next + 1 == count ? 0 : next + 1;
        out_iov[i] = (struct iovec){.iov_base = q->wire, .iov_len = q->length};
        out[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &out_iov[i], .msg_iovlen = 1}};
      }
      int n = sendmmsg(fd, out, (unsigned)send_at, MSG_DONTWAIT);
      if (n > 0) { sent += n; in_flight += n; }
    }
    int n = recvmmsg(fd, in, BATCH, MSG_DONTWAIT, NULL);
    if (n > 0) {
      for (int i = 0; i < n; i++) {
        int rcode = in[i].msg_len >= 4 ? replies[i][3] & 0x0f : -1;
        if (rcode == 0) noerror++; else if (rcode == 3) nxdomain++; else other++;
      }
      received += n;
      in_flight -= n;
      if (in_flight < 0) in_flight = 0;
      last_reply = now;
    }
    if (window - in_flight >= send_at) continue;
    if (n > 0 && n < BATCH / 4) {
      const struct timespec pause = {.tv_sec = 0, .tv_nsec = 100000};
      nanosleep(&pause, NULL);
    } else if (n <= 0) {
      if (in_flight > 0 && now - last_reply > LOSS_AFTER_NS) {
        lost += in_flight;  // a window's worth unanswered: count it lost and go on
        in_flight = 0;
        last_reply = now;
        continue;
      }
      struct pollfd wait = {.fd = fd, .events = POLLIN};
      poll(&wait, 1, 10);
    }
  }
  const double elapsed = (double)(now_ns() - start) / 1e9;
  const double cpu = cpu_seconds() - cpu_at_start;
  printf("replies/s %.0f replies %lld sent %lld lost %lld unanswered_at_end %ld noerror %lld nxdomain %lld other %lld cpu_us_per_reply %.2f\n",
         (double)received / elapsed, received, sent, lost, in_flight, noerror, nxdomain, other,
         received > 0 ? cpu * 1e6 / (double)received : 0.0);
  return 0;
}
