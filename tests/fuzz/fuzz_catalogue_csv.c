/* Fuzz target: the catalogue's CSV importer (the CDC's export with its old and new column
 * names, a training body's own CSV), through catalogue_import_stream as `difelus catalogue
 * importer` and the search screen call it, then a search of what was imported. */
#include "fuzz_catalogue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A file whose first character is '[' goes to the JSON importer: fuzz_catalogue_json's. */
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < size && strchr(" \t\r\n", data[i]) && data[i])
        i++;
    if (i < size && data[i] == '[')
        return 0;
    fuzz_catalogue_import(data, size);
    return 0;
}
