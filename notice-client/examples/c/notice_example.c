/*
 * notice_example: the notice-client C ABI from C.
 *
 * Creates a client from configuration JSON, refreshes from the mirrors (or ingests a document the host
 * fetched itself), optionally dismisses a notice, prints the notices and the status as JSON, and frees
 * everything. Errors are printed with the library's code and message; a failed refresh is not fatal, since
 * the last verified notices are still there.
 *
 * Build (from notice-client/, after `cargo build -p notice-client`):
 *   cc -std=c99 -Wall -Wextra -I include examples/c/notice_example.c \
 *      ../target/debug/libnotice_client.a -lpthread -ldl -lm -lrt -lutil -o notice_example
 *
 * Run:
 *   ./notice_example --feed-id yivi-app/production --root root.json --state /tmp/notices \
 *       --mirror https://notices.example.org/v1/feed.json [--mirror URL]... \
 *       [--ingest document.json] [--dismiss ID REVISION] [--locale nl_NL] [--min-refresh-interval SECONDS]
 * Every option falls back to an environment variable: NOTICE_FEED_ID, NOTICE_ROOT, NOTICE_STATE_DIR,
 * NOTICE_MIRRORS (comma-separated), NOTICE_LOCALE, NOTICE_MIN_REFRESH_INTERVAL_S.
 *
 * Exit status: 0 when the notices could be read, 1 on a usage error, 2 when the library refused.
 */

/* timegm(3): UTC timestamps to time_t (glibc and the BSDs have it; C99 alone does not). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notice_client.h"

#define MAX_MIRRORS 8

/* A growable string, for building the configuration JSON. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} Buffer;

static void buffer_append(Buffer *b, const char *bytes, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        char *data = realloc(b->data, cap);
        if (!data) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buffer_puts(Buffer *b, const char *s) { buffer_append(b, s, strlen(s)); }

/* Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped. */
static void buffer_json_string(Buffer *b, const char *s) {
    buffer_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char escaped[8];
        if (*p == '"' || *p == '\\') {
            escaped[0] = '\\';
            escaped[1] = (char)*p;
            buffer_append(b, escaped, 2);
        } else if (*p < 0x20) {
            snprintf(escaped, sizeof escaped, "\\u%04x", *p);
            buffer_puts(b, escaped);
        } else {
            buffer_append(b, (const char *)p, 1);
        }
    }
    buffer_puts(b, "\"");
}

/* Reads a whole file; NULL (with a message) on failure. */
static char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    Buffer b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buffer_append(&b, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (failed || !b.data) {
        fprintf(stderr, "cannot read %s\n", path);
        free(b.data);
        return NULL;
    }
    *len_out = b.len;
    return b.data;
}

/* Prints the calling thread's last error from the library. */
/* Copies the JSON string value that starts at `p` (just after its opening quote) into `out`. Ids and
 * timestamps have no escapes, which is all this example reads this way. */
static void copy_value(const char *p, char *out, size_t size) {
    size_t n = 0;
    while (*p && *p != '"' && n + 1 < size) out[n++] = *p++;
    out[n] = '\0';
}

/* "since": when each notice was posted (`created_at`, UTC) and how long ago, as an app shows "since 14:14
 * (2 h 10 min)". A real app parses the JSON; this scans for the two fields to stay dependency-free. */
static void print_since(const char *json) {
    const char *p = strstr(json, "\"notices\":[");
    while (p && (p = strstr(p, "\"id\":\"")) != NULL) {
        char id[80], created[40];
        copy_value(p + 6, id, sizeof id);
        const char *c = strstr(p, "\"created_at\":\"");
        if (!c) break;
        copy_value(c + 14, created, sizeof created);
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        if (sscanf(created, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min, &tm.tm_sec) == 6) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            long minutes = (long)difftime(time(NULL), timegm(&tm)) / 60;
            if (minutes < 0) minutes = 0;
            printf("since: %s %s (%ld h %ld min)\n", id, created, minutes / 60, minutes % 60);
        }
        p = c;
    }
}

static void print_last_error(const char *what, NoticeResult result) {
    char *error = notice_last_error();
    fprintf(stderr, "%s failed (result %d): %s\n", what, (int)result, error ? error : "(no details)");
    notice_string_free(error);
}

static const char *option_or_env(const char *value, const char *env) {
    return value ? value : getenv(env);
}

int main(int argc, char **argv) {
    const char *feed_id = NULL, *root_path = NULL, *state_dir = NULL, *ingest_path = NULL;
    const char *locale = NULL, *dismiss_id = NULL, *min_interval = NULL;
    unsigned long long dismiss_revision = 0;
    const char *mirrors[MAX_MIRRORS];
    size_t mirror_count = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!next) {
            fprintf(stderr, "%s needs a value; see the top of notice_example.c\n", arg);
            return 1;
        }
        if (strcmp(arg, "--feed-id") == 0) feed_id = next;
        else if (strcmp(arg, "--root") == 0) root_path = next;
        else if (strcmp(arg, "--state") == 0) state_dir = next;
        else if (strcmp(arg, "--ingest") == 0) ingest_path = next;
        else if (strcmp(arg, "--locale") == 0) locale = next;
        else if (strcmp(arg, "--min-refresh-interval") == 0) min_interval = next;
        else if (strcmp(arg, "--mirror") == 0) {
            if (mirror_count == MAX_MIRRORS) {
                fprintf(stderr, "at most %d mirrors\n", MAX_MIRRORS);
                return 1;
            }
            mirrors[mirror_count++] = next;
        } else if (strcmp(arg, "--dismiss") == 0 && i + 2 < argc) {
            dismiss_id = next;
            dismiss_revision = strtoull(argv[i + 2], NULL, 10);
            i++;
        } else {
            fprintf(stderr, "unknown option %s; see the top of notice_example.c\n", arg);
            return 1;
        }
        i++;
    }
    feed_id = option_or_env(feed_id, "NOTICE_FEED_ID");
    root_path = option_or_env(root_path, "NOTICE_ROOT");
    state_dir = option_or_env(state_dir, "NOTICE_STATE_DIR");
    locale = option_or_env(locale, "NOTICE_LOCALE");
    min_interval = option_or_env(min_interval, "NOTICE_MIN_REFRESH_INTERVAL_S");
    if (!feed_id || !root_path || !state_dir) {
        fprintf(stderr, "need --feed-id, --root and --state (or NOTICE_FEED_ID, NOTICE_ROOT, NOTICE_STATE_DIR)\n");
        return 1;
    }

    /* NOTICE_MIRRORS=url1,url2 when no --mirror was given. The copy lives until the end of main. */
    char *env_mirrors = NULL;
    if (mirror_count == 0 && getenv("NOTICE_MIRRORS")) {
        const char *list = getenv("NOTICE_MIRRORS");
        env_mirrors = malloc(strlen(list) + 1);
        if (!env_mirrors) return 2;
        strcpy(env_mirrors, list);
        for (char *url = strtok(env_mirrors, ","); url && mirror_count < MAX_MIRRORS; url = strtok(NULL, ","))
            mirrors[mirror_count++] = url;
    }

    size_t root_len = 0;
    char *root = read_file(root_path, &root_len);
    if (!root) return 1;

    /* The root file is JSON itself, so it goes into the configuration as an object, unchanged. */
    Buffer config = {0};
    buffer_puts(&config, "{\"feed_id\": ");
    buffer_json_string(&config, feed_id);
    buffer_puts(&config, ", \"trusted_root\": ");
    buffer_append(&config, root, root_len);
    buffer_puts(&config, ", \"state_dir\": ");
    buffer_json_string(&config, state_dir);
    buffer_puts(&config, ", \"mirrors\": [");
    for (size_t i = 0; i < mirror_count; i++) {
        if (i) buffer_puts(&config, ", ");
        buffer_json_string(&config, mirrors[i]);
    }
    buffer_puts(&config, "], \"context\": {\"platform\": \"android\", \"locales\": [");
    if (locale) buffer_json_string(&config, locale);
    buffer_puts(&config, "]}");
    if (min_interval) {
        /* Seconds between refreshes that touch the network (default 60). */
        char number[32];
        snprintf(number, sizeof number, "%llu", strtoull(min_interval, NULL, 10));
        buffer_puts(&config, ", \"timeouts\": {\"min_refresh_interval_s\": ");
        buffer_puts(&config, number);
        buffer_puts(&config, "}");
    }
    buffer_puts(&config, "}");
    free(root);

    NoticeClient *client = NULL;
    NoticeResult result = notice_client_new(config.data, &client);
    free(config.data);
    if (result != NOTICE_RESULT_OK) {
        print_last_error("notice_client_new", result);
        free(env_mirrors);
        return 2;
    }

    char *json = NULL;
    if (ingest_path) {
        size_t len = 0;
        char *document = read_file(ingest_path, &len);
        if (document) {
            result = notice_client_ingest(client, (const uint8_t *)document, len, 0, &json);
            free(document);
            if (result == NOTICE_RESULT_OK) {
                printf("ingest: %s\n", json);
                notice_string_free(json);
            } else {
                print_last_error("ingest", result);
            }
        }
    } else {
        /* An app does this on a background thread; it returns by the overall deadline. */
        result = notice_client_refresh(client, 0, &json);
        if (result == NOTICE_RESULT_OK) {
            printf("refresh: %s\n", json);
            notice_string_free(json);
        } else {
            /* Not fatal: the last verified notices are still shown below. */
            print_last_error("refresh", result);
        }
    }

    if (dismiss_id) {
        result = notice_client_dismiss(client, dismiss_id, (uint64_t)dismiss_revision);
        if (result == NOTICE_RESULT_OK) printf("dismissed: %s revision %llu\n", dismiss_id, dismiss_revision);
        else print_last_error("dismiss", result);
    }

    int status = 0;
    json = NULL;
    result = notice_client_notices(client, 0, &json);
    if (result == NOTICE_RESULT_OK) {
        printf("notices: %s\n", json);
        print_since(json);
        notice_string_free(json);
    } else {
        print_last_error("notices", result);
        status = 2;
    }

    json = NULL;
    result = notice_client_status(client, 0, &json);
    if (result == NOTICE_RESULT_OK) {
        printf("status: %s\n", json);
        notice_string_free(json);
    } else {
        print_last_error("status", result);
        status = 2;
    }

    notice_client_free(client);
    free(env_mirrors);
    return status;
}
