/* Fuzz target: the catalogue's JSON importer (an array of CDC records, read one record at a
 * time with jansson), through catalogue_import_stream, then a search of what was imported.
 * Inputs that would not reach it (not starting with '[') get one in front. */
#include "fuzz_catalogue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < size && strchr(" \t\r\n", data[i]) && data[i])
        i++;
    if (i < size && data[i] == '[') {
        fuzz_catalogue_import(data, size);
        return 0;
    }
    uint8_t *json = malloc(size + 1);
    if (!json)
        abort();
    json[0] = '[';
    if (size)
        memcpy(json + 1, data, size);
    fuzz_catalogue_import(json, size + 1);
    free(json);
    return 0;
}
