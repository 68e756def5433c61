/* The filter pipeline and the core filters: pipeline message versions 1
 * and 2 (and their malformed forms), the reverse pipeline with filter
 * masks and missing filters, the three inflate engines agreeing byte for
 * byte (zlib-made streams at every level when zlib is present, committed
 * vectors always), malformed deflate streams, Fletcher-32 as libhdf5
 * computes it (odd lengths, the pre-1.6.3 byte order), shuffle, LZF, and
 * whole datasets of the HDF5 1.14 test files decoded chunk by chunk. */
#include "core/internal.h"

#include "unit.h"

#include "filters/filter.h"
#include "object.h"

#include <stdio.h>
#include <unistd.h>
#ifdef C5_HAVE_ZLIB
#include <zlib.h>
#endif

/* ---- committed vectors ---------------------------------------------------
 * zlib streams made by Python's zlib of text(60) (see text() below): level 9
 * (dynamic Huffman), Z_FIXED (fixed Huffman), level 0 (stored, first 300
 * bytes), level 1 with a full flush and a sync flush (several blocks,
 * empty stored blocks), and the empty input. Chunks read from h5py files
 * with read_direct_chunk: Fletcher-32 over 77 bytes (odd length, uint8
 * i % 251) and over 200 bytes (int16), and an LZF chunk of 5000 int64
 * values k / 1000. */
static const uint8_t vec_text_dynamic[188] = {
    0x78, 0xda, 0x8d, 0xd5, 0xc9, 0x0d, 0xc2, 0x50, 0x10, 0x04, 0xd1, 0x3b, 0x51, 0x4c, 0x08, 0xcc,
    0xd2, 0x6c, 0xe1, 0x80, 0x8c, 0x30, 0x18, 0x9b, 0xcd, 0x82, 0xf0, 0x11, 0x09, 0x50, 0xff, 0x5e,
    0xa7, 0xa7, 0x51, 0xcf, 0xd0, 0x8f, 0x9d, 0x2d, 0x77, 0xf6, 0x3a, 0x75, 0x76, 0x9f, 0xfb, 0xc3,
    0xc5, 0xf6, 0x8f, 0xe9, 0x3d, 0xda, 0x71, 0xfa, 0xd8, 0x79, 0xbe, 0xde, 0x9e, 0x8b, 0xe1, 0x57,
    0x38, 0x16, 0x81, 0x45, 0x62, 0x51, 0x58, 0x08, 0x8b, 0x15, 0x16, 0x6b, 0x2c, 0x36, 0x58, 0x6c,
    0x59, 0xac, 0x01, 0x95, 0x55, 0x9d, 0x59, 0x9d, 0x5d, 0x9d, 0x61, 0x9d, 0x65, 0x9d, 0x69, 0x9d,
    0x6d, 0x9d, 0x71, 0x9d, 0x75, 0x83, 0x75, 0xa3, 0xe1, 0x66, 0x59, 0x37, 0x58, 0x37, 0x58, 0x37,
    0x58, 0x37, 0x58, 0x37, 0x58, 0x37, 0x58, 0x37, 0x58, 0x37, 0x59, 0x37, 0x59, 0x37, 0x1b, 0x26,
    0x81, 0x75, 0x93, 0x75, 0x93, 0x75, 0x93, 0x75, 0x93, 0x75, 0x93, 0x75, 0x93, 0x75, 0x8b, 0x75,
    0x8b, 0x75, 0x8b, 0x75, 0xab, 0x61, 0x71, 0x59, 0xb7, 0x58, 0xb7, 0x58, 0xb7, 0x58, 0xb7, 0x58,
    0xb7, 0x58, 0x57, 0xac, 0x2b, 0xd6, 0x15, 0xeb, 0x8a, 0x75, 0xd5, 0xf0, 0xd0, 0x58, 0x57, 0xac,
    0x2b, 0xd6, 0x15, 0xeb, 0xea, 0xaf, 0xee, 0x17, 0xb5, 0xfd, 0xd3, 0x2b,
};
static const uint8_t vec_text_fixed[251] = {
    0x78, 0x01, 0xcb, 0xc9, 0xcc, 0x4b, 0x55, 0x30, 0xb0, 0x52, 0x28, 0xc9, 0x48, 0x55, 0x28, 0x2c,
    0xcd, 0x4c, 0xce, 0x56, 0x48, 0x2a, 0xca, 0x2f, 0xcf, 0x53, 0x48, 0xcb, 0xaf, 0x50, 0xc8, 0x2a,
    0xcd, 0x2d, 0x28, 0xe6, 0xca, 0x01, 0xa9, 0x30, 0x24, 0xa8, 0xc2, 0x88, 0xa0, 0x0a, 0x63, 0x82,
    0x2a, 0x4c, 0x08, 0xaa, 0x30, 0x25, 0xa8, 0xc2, 0x8c, 0xa0, 0x0a, 0x73, 0x82, 0x2a, 0x2c, 0x08,
    0xaa, 0xb0, 0x24, 0x1c, 0x62, 0x44, 0x04, 0x2a, 0xe1, 0x50, 0x35, 0x24, 0x1c, 0xac, 0x86, 0x84,
    0xc3, 0xd5, 0x90, 0x70, 0xc0, 0x1a, 0x12, 0x0e, 0x59, 0x43, 0xc2, 0x41, 0x6b, 0x48, 0x38, 0x6c,
    0x0d, 0x09, 0x07, 0xae, 0x21, 0xe1, 0xd0, 0x35, 0x22, 0x1c, 0xba, 0x46, 0x44, 0xa4, 0x59, 0xc2,
    0xa1, 0x6b, 0x44, 0x38, 0x74, 0x8d, 0x08, 0x87, 0xae, 0x11, 0xe1, 0xd0, 0x35, 0x22, 0x1c, 0xba,
    0x46, 0x84, 0x43, 0xd7, 0x88, 0x70, 0xe8, 0x1a, 0x11, 0x0e, 0x5d, 0x63, 0xc2, 0xa1, 0x6b, 0x4c,
    0x38, 0x74, 0x8d, 0x89, 0x28, 0x12, 0x08, 0x87, 0xae, 0x31, 0xe1, 0xd0, 0x35, 0x26, 0x1c, 0xba,
    0xc6, 0x84, 0x43, 0xd7, 0x98, 0x70, 0xe8, 0x1a, 0x13, 0x0e, 0x5d, 0x63, 0xc2, 0xa1, 0x6b, 0x42,
    0x38, 0x74, 0x4d, 0x08, 0x87, 0xae, 0x09, 0xe1, 0xd0, 0x35, 0x21, 0xa2, 0xc4, 0x25, 0x1c, 0xba,
    0x26, 0x84, 0x43, 0xd7, 0x84, 0x70, 0xe8, 0x9a, 0x10, 0x0e, 0x5d, 0x13, 0xc2, 0xa1, 0x6b, 0x42,
    0x38, 0x74, 0x4d, 0x09, 0x87, 0xae, 0x29, 0xe1, 0xd0, 0x35, 0x25, 0x1c, 0xba, 0xa6, 0x84, 0x43,
    0xd7, 0x94, 0x88, 0x0a, 0x8d, 0x70, 0xe8, 0x9a, 0x12, 0x0e, 0x5d, 0x53, 0xc2, 0xa1, 0x6b, 0x4a,
    0x38, 0x74, 0x4d, 0xf1, 0x86, 0x2e, 0x00, 0xb5, 0xfd, 0xd3, 0x2b,
};
static const uint8_t vec_text_stored[311] = {
    0x78, 0x01, 0x01, 0x2c, 0x01, 0xd3, 0xfe, 0x6c, 0x69, 0x6e, 0x65, 0x20, 0x30, 0x3a, 0x20, 0x74,
    0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66,
    0x6f, 0x78, 0x20, 0x6a, 0x75, 0x6d, 0x70, 0x73, 0x0a, 0x6c, 0x69, 0x6e, 0x65, 0x20, 0x31, 0x3a,
    0x20, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e,
    0x20, 0x66, 0x6f, 0x78, 0x20, 0x6a, 0x75, 0x6d, 0x70, 0x73, 0x0a, 0x6c, 0x69, 0x6e, 0x65, 0x20,
    0x32, 0x3a, 0x20, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f,
    0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78, 0x20, 0x6a, 0x75, 0x6d, 0x70, 0x73, 0x0a, 0x6c, 0x69, 0x6e,
    0x65, 0x20, 0x33, 0x3a, 0x20, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62,
    0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78, 0x20, 0x6a, 0x75, 0x6d, 0x70, 0x73, 0x0a, 0x6c,
    0x69, 0x6e, 0x65, 0x20, 0x34, 0x3a, 0x20, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b,
    0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78, 0x20, 0x6a, 0x75, 0x6d, 0x70, 0x73,
    0x0a, 0x6c, 0x69, 0x6e, 0x65, 0x20, 0x35, 0x3a, 0x20, 0x74, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69,
    0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78, 0x20, 0x6a, 0x75, 0x6d,
    0x70, 0x73, 0x0a, 0x6c, 0x69, 0x6e, 0x65, 0x20, 0x36, 0x3a, 0x20, 0x74, 0x68, 0x65, 0x20, 0x71,
    0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78, 0x20, 0x6a,
    0x75, 0x6d, 0x70, 0x73, 0x0a, 0x6c, 0x69, 0x6e, 0x65, 0x20, 0x37, 0x3a, 0x20, 0x74, 0x68, 0x65,
    0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x6f, 0x78,
    0x20, 0x6a, 0x75, 0x6d, 0x70, 0x73, 0x0a, 0x6c, 0x69, 0x6e, 0x65, 0x20, 0x38, 0x3a, 0x20, 0x74,
    0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6b, 0x20, 0x62, 0x72, 0x6f, 0x77, 0x6e, 0x20, 0x66,
    0x6f, 0x78, 0x20, 0x82, 0x81, 0x68, 0xba,
};
static const uint8_t vec_text_multi[241] = {
    0x78, 0x01, 0x8c, 0xd0, 0xc9, 0x11, 0x40, 0x50, 0x14, 0x45, 0xc1, 0xbd, 0x28, 0x5e, 0x08, 0xae,
    0x99, 0x70, 0x28, 0xca, 0xf8, 0x8d, 0xbf, 0x08, 0x5f, 0x89, 0xe0, 0xd8, 0xf7, 0xaa, 0xe7, 0xc1,
    0xb5, 0x16, 0x56, 0x76, 0xf5, 0xad, 0xed, 0x7e, 0x68, 0x26, 0xab, 0x8f, 0xf5, 0x76, 0xd6, 0xad,
    0x8f, 0x8d, 0x7e, 0xd9, 0xce, 0x60, 0xfe, 0x84, 0x50, 0x44, 0x28, 0x62, 0x14, 0x09, 0x8a, 0x14,
    0x45, 0x86, 0x22, 0x47, 0x51, 0xa0, 0x28, 0x51, 0xe8, 0x47, 0x2a, 0xaf, 0x8a, 0x5b, 0xc5, 0xaf,
    0xe2, 0x58, 0xf1, 0xac, 0xb8, 0x56, 0x7c, 0x2b, 0xce, 0x15, 0xef, 0x46, 0xdf, 0xee, 0x0b, 0x00,
    0x00, 0xff, 0xff, 0x84, 0xd0, 0xc9, 0x11, 0x82, 0x00, 0x14, 0x44, 0xc1, 0xbb, 0x51, 0xfc, 0x10,
    0x94, 0x99, 0x71, 0x0b, 0x47, 0x0b, 0x0b, 0x5c, 0xc0, 0x8d, 0x92, 0xf0, 0xcd, 0x80, 0x77, 0xef,
    0x53, 0x77, 0x6d, 0xbd, 0xa6, 0xfe, 0x7c, 0xab, 0xd3, 0x7b, 0xfc, 0x0d, 0x75, 0x19, 0xe7, 0xba,
    0x4e, 0x8f, 0xe7, 0x67, 0x75, 0xef, 0x87, 0xb6, 0x9a, 0xcd, 0xb1, 0xbe, 0xdd, 0x32, 0x69, 0x98,
    0x88, 0x89, 0x99, 0x84, 0xc9, 0x96, 0xc9, 0x8e, 0xc9, 0x9e, 0xc9, 0x01, 0x89, 0xd6, 0x4c, 0x78,
    0x57, 0xbc, 0x2b, 0xde, 0x15, 0xef, 0x8a, 0x77, 0xc5, 0xbb, 0xe2, 0x5d, 0xf1, 0xae, 0x78, 0xd7,
    0xbc, 0x6b, 0xde, 0x35, 0xef, 0x9a, 0x77, 0xcd, 0xbb, 0xe6, 0x5d, 0xf3, 0xae, 0x79, 0xd7, 0xbc,
    0x6b, 0xde, 0x0d, 0xef, 0x86, 0x77, 0xc3, 0xbb, 0xe1, 0xdd, 0xf0, 0x6e, 0x78, 0x37, 0xbc, 0x1b,
    0xde, 0x0d, 0xef, 0x66, 0x71, 0xf7, 0x0f, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0xb5, 0xfd, 0xd3,
    0x2b,
};
static const uint8_t vec_empty[8] = {
    0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01,
};
static const uint8_t vec_fletcher_odd[81] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0xa9, 0xcf, 0x3c,
    0x80,
};
static const uint8_t vec_fletcher_even[204] = {
    0x0c, 0xfe, 0x0d, 0xfe, 0x0e, 0xfe, 0x0f, 0xfe, 0x10, 0xfe, 0x11, 0xfe, 0x12, 0xfe, 0x13, 0xfe,
    0x14, 0xfe, 0x15, 0xfe, 0x41, 0xfe, 0x42, 0xfe, 0x43, 0xfe, 0x44, 0xfe, 0x45, 0xfe, 0x46, 0xfe,
    0x47, 0xfe, 0x48, 0xfe, 0x49, 0xfe, 0x4a, 0xfe, 0x76, 0xfe, 0x77, 0xfe, 0x78, 0xfe, 0x79, 0xfe,
    0x7a, 0xfe, 0x7b, 0xfe, 0x7c, 0xfe, 0x7d, 0xfe, 0x7e, 0xfe, 0x7f, 0xfe, 0xab, 0xfe, 0xac, 0xfe,
    0xad, 0xfe, 0xae, 0xfe, 0xaf, 0xfe, 0xb0, 0xfe, 0xb1, 0xfe, 0xb2, 0xfe, 0xb3, 0xfe, 0xb4, 0xfe,
    0xe0, 0xfe, 0xe1, 0xfe, 0xe2, 0xfe, 0xe3, 0xfe, 0xe4, 0xfe, 0xe5, 0xfe, 0xe6, 0xfe, 0xe7, 0xfe,
    0xe8, 0xfe, 0xe9, 0xfe, 0x15, 0xff, 0x16, 0xff, 0x17, 0xff, 0x18, 0xff, 0x19, 0xff, 0x1a, 0xff,
    0x1b, 0xff, 0x1c, 0xff, 0x1d, 0xff, 0x1e, 0xff, 0x4a, 0xff, 0x4b, 0xff, 0x4c, 0xff, 0x4d, 0xff,
    0x4e, 0xff, 0x4f, 0xff, 0x50, 0xff, 0x51, 0xff, 0x52, 0xff, 0x53, 0xff, 0x7f, 0xff, 0x80, 0xff,
    0x81, 0xff, 0x82, 0xff, 0x83, 0xff, 0x84, 0xff, 0x85, 0xff, 0x86, 0xff, 0x87, 0xff, 0x88, 0xff,
    0xb4, 0xff, 0xb5, 0xff, 0xb6, 0xff, 0xb7, 0xff, 0xb8, 0xff, 0xb9, 0xff, 0xba, 0xff, 0xbb, 0xff,
    0xbc, 0xff, 0xbd, 0xff, 0xe9, 0xff, 0xea, 0xff, 0xeb, 0xff, 0xec, 0xff, 0xed, 0xff, 0xee, 0xff,
    0xef, 0xff, 0xf0, 0xff, 0xf1, 0xff, 0xf2, 0xff, 0x9b, 0xff, 0x96, 0xaa,
};
static const uint8_t vec_lzf_runs[487] = {
    0x01, 0x00, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0,
    0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff,
    0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00,
    0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0,
    0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff,
    0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00, 0xe0, 0x45, 0x00,
    0x00, 0x01, 0xa0, 0x4e, 0xe0, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0x3f,
    0x07, 0x00, 0x02, 0xbf, 0x3f, 0xe0, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0x3f, 0x07, 0x00, 0x03, 0xbf, 0x3f, 0xe0, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0x3f, 0x07, 0x00, 0x04, 0xbf, 0x3f, 0xe0, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07,
    0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1,
    0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff, 0x07, 0xe1, 0xff,
    0x07, 0xe1, 0x3d, 0x07, 0x01, 0x00, 0x00,
};


/* ---- helpers -------------------------------------------------------------- */


static c5_file *open_corpus_opts(const char *name, const c5_open_opts *o)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", unit_corpus_dir(), name);
    c5_file *f = NULL;
    ck_assert_msg(c5_file_open(&f, path, o) == 0, "cannot open %s", path);
    return f;
}

static c5_file *open_corpus(const char *name) { return open_corpus_opts(name, NULL); }

/* The text the committed zlib vectors compress. */
static size_t text(uint8_t *buf, size_t cap, int nlines)
{
    size_t n = 0;
    for (int k = 0; k < nlines; k++) {
        char line[64];
        int l = snprintf(line, sizeof line, "line %d: the quick brown fox jumps\n", k);
        ck_assert(n + (size_t)l <= cap);
        memcpy(buf + n, line, (size_t)l);
        n += (size_t)l;
    }
    return n;
}

static const c5_inflate_engine_t engines[] = {C5_INFLATE_BUILTIN, C5_INFLATE_ZLIB,
                                              C5_INFLATE_LIBDEFLATE};
static const char *engine_name[] = {"auto", "libdeflate", "zlib", "builtin"};

/* Inflate z with every engine compiled in: each must give exactly want,
 * fit an exact-size buffer, and report C5_ERANGE one byte short. Returns
 * the number of engines that ran (the built-in one always does). */
static int inflate_all_engines(const uint8_t *z, size_t zn, const uint8_t *want, size_t wn)
{
    uint8_t *out = malloc(wn + 16);
    ck_assert(out);
    int ran = 0;
    for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
        size_t got = 12345;
        int rc = c5_zlib_inflate(engines[e], z, zn, out, wn + 16, &got);
        if (rc == C5_ENOFILTER) {
            ck_assert(engines[e] != C5_INFLATE_BUILTIN);
            continue;
        }
        ck_assert_msg(rc == 0, "%s: rc %d", engine_name[engines[e]], rc);
        ck_assert_uint_eq(got, wn);
        ck_assert_msg(memcmp(out, want, wn) == 0, "%s: output differs", engine_name[engines[e]]);
        rc = c5_zlib_inflate(engines[e], z, zn, out, wn, &got);
        ck_assert_msg(rc == 0, "%s: exact size %zu: rc %d", engine_name[engines[e]], wn, rc);
        ck_assert_uint_eq(got, wn);
        if (wn)
            ck_assert_int_eq(c5_zlib_inflate(engines[e], z, zn, out, wn - 1, &got), C5_ERANGE);
        ran++;
    }
    free(out);
    return ran;
}

static uint32_t adler(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return b << 16 | a;
}

/* A bit writer for hand-made deflate streams (LSB first; Huffman codes are
 * written MSB first). */
typedef struct bw {
    uint8_t b[512];
    size_t n;
    unsigned bits;
} bw;

static void put_bits(bw *w, unsigned v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (w->bits == 0)
            w->b[w->n++] = 0;
        w->b[w->n - 1] |= (uint8_t)(((v >> i) & 1u) << w->bits);
        w->bits = (w->bits + 1) & 7;
    }
}

static void put_code(bw *w, unsigned code, unsigned len)
{
    for (unsigned i = len; i-- > 0;)
        put_bits(w, (code >> i) & 1u, 1);
}

/* Fixed Huffman literal/length symbol (RFC 1951 section 3.2.6). */
static void put_fixed(bw *w, unsigned sym)
{
    if (sym < 144)
        put_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        put_code(w, 0x190 + (sym - 144), 9);
    else if (sym < 280)
        put_code(w, sym - 256, 7);
    else
        put_code(w, 0xc0 + (sym - 280), 8);
}

static void zlib_start(bw *w)
{
    memset(w, 0, sizeof *w);
    w->b[0] = 0x78;
    w->b[1] = 0x01;
    w->n = 2;
}

static void zlib_finish(bw *w, const uint8_t *data, size_t n)
{
    w->bits = 0;
    uint32_t a = adler(data, n);
    for (int i = 3; i >= 0; i--)
        w->b[w->n++] = (uint8_t)(a >> (8 * i));
}

/* A zlib stream made of one stored block holding data. */
static size_t zlib_stored(uint8_t *out, const uint8_t *data, size_t n)
{
    ck_assert(n < 65536);
    size_t k = 0;
    out[k++] = 0x78;
    out[k++] = 0x01;
    out[k++] = 0x01; /* BFINAL = 1, BTYPE = 00 */
    out[k++] = (uint8_t)n;
    out[k++] = (uint8_t)(n >> 8);
    out[k++] = (uint8_t)~n;
    out[k++] = (uint8_t)(~n >> 8);
    memcpy(out + k, data, n);
    k += n;
    uint32_t a = adler(data, n);
    for (int i = 3; i >= 0; i--)
        out[k++] = (uint8_t)(a >> (8 * i));
    return k;
}

/* HDF5's Fletcher-32, written out independently for building test chunks. */
static uint32_t ref_fletcher(const uint8_t *p, size_t n)
{
    uint32_t s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t w = (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
        s1 = (s1 + w) % 65535;
        s2 = (s2 + s1) % 65535;
    }
    return s2 << 16 | s1;
}

static void ref_shuffle(uint8_t *dst, const uint8_t *src, size_t n, size_t s)
{
    size_t ne = n / s;
    memcpy(dst, src, n);
    if (s <= 1 || ne <= 1)
        return;
    for (size_t i = 0; i < ne; i++)
        for (size_t j = 0; j < s; j++)
            dst[j * ne + i] = src[i * s + j];
}

static c5_pfilter mkfilter(uint16_t id, uint16_t flags, size_t ncd, uint32_t *cd)
{
    c5_pfilter f;
    memset(&f, 0, sizeof f);
    f.id = id;
    f.flags = flags;
    f.ncd = ncd;
    f.cd = cd;
    return f;
}

static c5_filter_ctx mkctx(c5_file *f, size_t esz, uint64_t chunk_bytes)
{
    c5_filter_ctx c;
    memset(&c, 0, sizeof c);
    c.f = f;
    c.elem_size = esz;
    c.chunk_bytes = chunk_bytes;
    c.chunk_addr = C5_UNDEF;
    return c;
}

/* Run a pipeline on a copy of in (apply consumes its input). */
static int apply_copy(const c5_pipeline *p, uint32_t mask, const c5_filter_ctx *ctx,
                      const uint8_t *in, size_t n, uint8_t **out, size_t *outn)
{
    uint8_t *copy = c5_malloc(ctx->f, n);
    ck_assert(copy);
    if (n)
        memcpy(copy, in, n);
    return c5_pipeline_apply(p, mask, ctx, copy, n, out, outn);
}

/* ---- inflate -------------------------------------------------------------- */

START_TEST(test_filters_inflate_committed_vectors_every_engine)
{
    uint8_t t[4096];
    size_t tn = text(t, sizeof t, 60);
    ck_assert_uint_eq(tn, 2090);
    ck_assert_int_ge(inflate_all_engines(vec_text_dynamic, sizeof vec_text_dynamic, t, tn), 1);
    ck_assert_int_ge(inflate_all_engines(vec_text_fixed, sizeof vec_text_fixed, t, tn), 1);
    ck_assert_int_ge(inflate_all_engines(vec_text_stored, sizeof vec_text_stored, t, 300), 1);
    ck_assert_int_ge(inflate_all_engines(vec_text_multi, sizeof vec_text_multi, t, tn), 1);
    ck_assert_int_ge(inflate_all_engines(vec_empty, sizeof vec_empty, t, 0), 1);
    /* AUTO picks one of them and agrees. */
    uint8_t out[4096];
    size_t got;
    ck_assert_int_eq(c5_zlib_inflate(C5_INFLATE_AUTO, vec_text_dynamic, sizeof vec_text_dynamic,
                                     out, sizeof out, &got),
                     0);
    ck_assert_uint_eq(got, tn);
    ck_assert(memcmp(out, t, tn) == 0);
}
END_TEST

START_TEST(test_filters_inflate_trailing_bytes_ignored_like_libhdf5)
{
    uint8_t z[sizeof vec_text_dynamic + 7], t[4096];
    size_t tn = text(t, sizeof t, 60);
    memcpy(z, vec_text_dynamic, sizeof vec_text_dynamic);
    memset(z + sizeof vec_text_dynamic, 0xa5, 7);
    ck_assert_int_ge(inflate_all_engines(z, sizeof z, t, tn), 1);
}
END_TEST

START_TEST(test_filters_inflate_handmade_streams)
{
    /* "a" then a match of length 3 at distance 1: "aaaa". */
    bw w;
    zlib_start(&w);
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    put_fixed(&w, 'a');
    put_fixed(&w, 257);
    put_code(&w, 0, 5);
    put_fixed(&w, 256);
    zlib_finish(&w, (const uint8_t *)"aaaa", 4);
    ck_assert_int_ge(inflate_all_engines(w.b, w.n, (const uint8_t *)"aaaa", 4), 1);

    /* Length 258 (symbol 285) at distance 1, then literals past 255
     * (9-bit codes): exercises the longest match and every code length. */
    uint8_t want[300];
    size_t wn = 0;
    zlib_start(&w);
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    put_fixed(&w, 0xf0);
    want[wn++] = 0xf0;
    put_fixed(&w, 285);
    put_code(&w, 0, 5);
    memset(want + wn, 0xf0, 258);
    wn += 258;
    for (unsigned c = 250; c < 256; c++) {
        put_fixed(&w, c);
        want[wn++] = (uint8_t)c;
    }
    put_fixed(&w, 256);
    zlib_finish(&w, want, wn);
    ck_assert_int_ge(inflate_all_engines(w.b, w.n, want, wn), 1);
}
END_TEST

/* A malformed stream: every engine must refuse it. */
static void expect_corrupt(const uint8_t *z, size_t n, const char *what)
{
    uint8_t out[4096];
    for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
        size_t got;
        int rc = c5_zlib_inflate(engines[e], z, n, out, sizeof out, &got);
        if (rc == C5_ENOFILTER && engines[e] != C5_INFLATE_BUILTIN)
            continue;
        ck_assert_msg(rc == C5_ECORRUPT, "%s: %s gives %d", what, engine_name[engines[e]], rc);
    }
}

START_TEST(test_filters_inflate_malformed_streams_rejected)
{
    uint8_t z[sizeof vec_text_dynamic];
    /* The zlib header: method, window, check bits, preset dictionary. */
    memcpy(z, vec_text_dynamic, sizeof z);
    z[0] = 0x77;
    expect_corrupt(z, sizeof z, "CM 7");
    z[0] = 0x88;
    z[1] = 0x1c;
    expect_corrupt(z, sizeof z, "CINFO 8");
    memcpy(z, vec_text_dynamic, sizeof z);
    z[1] ^= 1;
    expect_corrupt(z, sizeof z, "FCHECK");
    z[0] = 0x78;
    z[1] = 0xbb; /* FDICT set, FCHECK valid */
    expect_corrupt(z, sizeof z, "FDICT");
    /* Adler-32 mismatch. */
    memcpy(z, vec_text_dynamic, sizeof z);
    z[sizeof z - 1] ^= 0x40;
    expect_corrupt(z, sizeof z, "adler");
    expect_corrupt(vec_text_dynamic, 0, "empty input");
    expect_corrupt(vec_text_dynamic, 1, "one byte");

    bw w;
    /* A match before any output. */
    zlib_start(&w);
    put_bits(&w, 3, 3);
    put_fixed(&w, 257);
    put_code(&w, 0, 5);
    put_fixed(&w, 256);
    zlib_finish(&w, NULL, 0);
    expect_corrupt(w.b, w.n, "distance before start");
    /* Distance 2 after one byte. */
    zlib_start(&w);
    put_bits(&w, 3, 3);
    put_fixed(&w, 'x');
    put_fixed(&w, 257);
    put_code(&w, 1, 5);
    put_fixed(&w, 256);
    zlib_finish(&w, (const uint8_t *)"xxxx", 4);
    expect_corrupt(w.b, w.n, "distance too far back");
    /* Distance symbol 30 of the fixed code. */
    zlib_start(&w);
    put_bits(&w, 3, 3);
    put_fixed(&w, 'x');
    put_fixed(&w, 257);
    put_code(&w, 30, 5);
    put_fixed(&w, 256);
    zlib_finish(&w, (const uint8_t *)"xxxx", 4);
    expect_corrupt(w.b, w.n, "distance symbol 30");
    /* Reserved block type 3. */
    zlib_start(&w);
    put_bits(&w, 7, 3);
    put_bits(&w, 0, 16);
    zlib_finish(&w, NULL, 0);
    expect_corrupt(w.b, w.n, "BTYPE 3");
    /* Stored block whose NLEN is not ~LEN. */
    uint8_t s[64];
    size_t sn = zlib_stored(s, (const uint8_t *)"hello", 5);
    s[5] ^= 1;
    expect_corrupt(s, sn, "NLEN");
    /* Stored block longer than the input. */
    sn = zlib_stored(s, (const uint8_t *)"hello", 5);
    expect_corrupt(s, 9, "stored truncated");
    /* Dynamic header with HLIT 287 (field 30) or HDIST 31 (field 30). */
    zlib_start(&w);
    put_bits(&w, 5, 3);
    put_bits(&w, 30, 5);
    put_bits(&w, 0, 5);
    put_bits(&w, 15, 4);
    for (int i = 0; i < 19; i++)
        put_bits(&w, 4, 3);
    put_bits(&w, 0, 32);
    zlib_finish(&w, NULL, 0);
    expect_corrupt(w.b, w.n, "HLIT 287");
    /* Dynamic block whose code-length code is over-subscribed (19 codes
     * of length 1). */
    zlib_start(&w);
    put_bits(&w, 5, 3);
    put_bits(&w, 0, 5);
    put_bits(&w, 0, 5);
    put_bits(&w, 15, 4);
    for (int i = 0; i < 19; i++)
        put_bits(&w, 1, 3);
    put_bits(&w, 0, 32);
    zlib_finish(&w, NULL, 0);
    expect_corrupt(w.b, w.n, "over-subscribed code-length code");
    /* Repeat code 16 with no previous length. */
    zlib_start(&w);
    put_bits(&w, 5, 3);
    put_bits(&w, 0, 5);
    put_bits(&w, 0, 5);
    put_bits(&w, 0, 4);
    for (int i = 0; i < 4; i++)
        put_bits(&w, 2, 3);
    put_code(&w, 1, 2); /* 16 first: nothing to repeat */
    put_bits(&w, 0, 2);
    put_bits(&w, 0, 32);
    zlib_finish(&w, NULL, 0);
    expect_corrupt(w.b, w.n, "repeat without previous length");
}
END_TEST

START_TEST(test_filters_inflate_truncation_and_bit_flips_never_crash)
{
    uint8_t t[4096], out[4096];
    size_t tn = text(t, sizeof t, 60);
    const struct {
        const uint8_t *z;
        size_t n, want;
    } v[] = {{vec_text_dynamic, sizeof vec_text_dynamic, tn},
             {vec_text_fixed, sizeof vec_text_fixed, tn},
             {vec_text_stored, sizeof vec_text_stored, 300},
             {vec_text_multi, sizeof vec_text_multi, tn}};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        /* Every proper prefix is truncated. */
        for (size_t n = 0; n < v[k].n; n++)
            for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
                size_t got;
                int rc = c5_zlib_inflate(engines[e], v[k].z, n, out, sizeof out, &got);
                ck_assert_msg(rc == C5_ECORRUPT || (rc == C5_ENOFILTER && e > 0),
                              "vector %zu cut at %zu: %s gives %d", k, n,
                              engine_name[engines[e]], rc);
            }
        /* Every single-bit flip: either refused, or (padding bits) the same
         * output; the engines agree on which. */
        uint8_t z[400];
        memcpy(z, v[k].z, v[k].n);
        for (size_t bit = 0; bit < v[k].n * 8; bit++) {
            z[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            int ok_first = -1;
            for (size_t e = 0; e < sizeof engines / sizeof engines[0]; e++) {
                size_t got;
                int rc = c5_zlib_inflate(engines[e], z, v[k].n, out, sizeof out, &got);
                if (rc == C5_ENOFILTER && e > 0)
                    continue;
                if (rc == 0) {
                    ck_assert_uint_eq(got, v[k].want);
                    ck_assert(memcmp(out, t, got) == 0);
                }
                if (ok_first < 0)
                    ok_first = rc == 0;
                else
                    ck_assert_msg(ok_first == (rc == 0), "vector %zu bit %zu: engines disagree",
                                  k, bit);
            }
            z[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
}
END_TEST

#ifdef C5_HAVE_ZLIB
/* Data of several kinds, compressed here by zlib at every level and
 * strategy, must inflate identically with every engine. */
START_TEST(test_filters_inflate_zlib_levels_all_engines_identical)
{
    size_t n = 150000;
    uint8_t *d = malloc(n);
    ck_assert(d);
    uint32_t x = 2463534242u;
    for (int kind = 0; kind < 5; kind++) {
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            switch (kind) {
            case 0: d[i] = (uint8_t)x; break;                         /* incompressible */
            case 1: d[i] = (uint8_t)"abcdefgh "[x % 9]; break;          /* small alphabet */
            case 2: d[i] = (uint8_t)(i < 33000 ? x : d[i - 32768]); break; /* max distance */
            case 3: d[i] = 0; break;                                     /* one long run */
            default: { float v = (float)(i / 4) * 0.25f; memcpy(d + i - i % 4, &v, 4); i += 3 - i % 4; }
            }
        }
        for (int lvl = 0; lvl <= 9; lvl++)
            for (int strat = 0; strat < 4; strat++) {
                if (strat && (lvl == 0 || lvl % 3))
                    continue;
                static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY, Z_RLE};
                z_stream z;
                memset(&z, 0, sizeof z);
                ck_assert_int_eq(deflateInit2(&z, lvl, Z_DEFLATED, 15, 8, strategies[strat]), Z_OK);
                uLong cap = deflateBound(&z, n);
                uint8_t *c = malloc(cap);
                ck_assert(c);
                z.next_in = d;
                z.avail_in = (uInt)n;
                z.next_out = c;
                z.avail_out = (uInt)cap;
                ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
                size_t cn = z.total_out;
                deflateEnd(&z);
                ck_assert_int_ge(inflate_all_engines(c, cn, d, n), 2);
                free(c);
            }
    }
    free(d);
}
END_TEST
#endif

START_TEST(test_filters_deflate_grows_past_expected_chunk_size)
{
    uint8_t t[4096];
    size_t tn = text(t, sizeof t, 60);
    c5_pfilter flt = mkfilter(1, 1, 0, NULL);
    uint64_t sizes[] = {0, 1, 10, 2089, 2090, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        c5_filter_ctx ctx = mkctx(NULL, 1, sizes[i]);
        uint8_t *out = NULL;
        size_t on = 0;
        ck_assert_int_eq(
            c5_filter_deflate(&flt, &ctx, vec_text_dynamic, sizeof vec_text_dynamic, &out, &on), 0);
        ck_assert_uint_eq(on, tn);
        ck_assert(memcmp(out, t, tn) == 0);
        c5_free(NULL, out);
    }
    /* Growth stops at max_alloc. */
    c5_open_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.max_alloc = 1000;
    c5_file *f = open_corpus_opts("tfilters.h5", &o);
    c5_filter_ctx ctx = mkctx(f, 1, 100);
    uint8_t *out = (uint8_t *)&ctx;
    size_t on = 7;
    ck_assert_int_eq(
        c5_filter_deflate(&flt, &ctx, vec_text_dynamic, sizeof vec_text_dynamic, &out, &on),
        C5_ELIMIT);
    ck_assert_ptr_null(out);
    ck_assert(strstr(c5_errmsg(f), "max_alloc"));
    /* A malformed stream names the filter. */
    uint8_t bad[sizeof vec_text_dynamic];
    memcpy(bad, vec_text_dynamic, sizeof bad);
    bad[40] ^= 0xff;
    ck_assert_int_eq(c5_filter_deflate(&flt, &ctx, bad, sizeof bad, &out, &on), C5_ECORRUPT);
    ck_assert(strstr(c5_errmsg(f), "deflate"));
    c5_file_close(f);
}
END_TEST

/* ---- Fletcher-32 -------------------------------------------------------- */

START_TEST(test_filters_fletcher32_odd_and_even_h5py_chunks)
{
    c5_pfilter flt = mkfilter(3, 0, 0, NULL);
    c5_filter_ctx ctx = mkctx(NULL, 1, 77);
    uint8_t *out;
    size_t on;
    ck_assert_int_eq(
        c5_filter_fletcher32(&flt, &ctx, vec_fletcher_odd, sizeof vec_fletcher_odd, &out, &on), 0);
    ck_assert_uint_eq(on, 77);
    for (size_t i = 0; i < 77; i++)
        ck_assert_uint_eq(out[i], i % 251);
    c5_free(NULL, out);
    ck_assert_uint_eq(ref_fletcher(vec_fletcher_odd, 77), (uint32_t)c5_le(vec_fletcher_odd + 77, 4));

    ctx = mkctx(NULL, 2, 200);
    ck_assert_int_eq(c5_filter_fletcher32(&flt, &ctx, vec_fletcher_even, sizeof vec_fletcher_even,
                                          &out, &on),
                     0);
    ck_assert_uint_eq(on, 200);
    for (int r = 0; r < 10; r++)
        for (int c = 0; c < 10; c++) {
            int16_t v = (int16_t)((r * 53 + c) % 1000 - 500);
            ck_assert_int_eq((int16_t)c5_le(out + 2 * (r * 10 + c), 2), v);
        }
    c5_free(NULL, out);
}
END_TEST

START_TEST(test_filters_fletcher32_swapped_accepted_damage_rejected)
{
    c5_pfilter flt = mkfilter(3, 0, 0, NULL);
    c5_filter_ctx ctx = mkctx(NULL, 1, 77);
    uint8_t v[sizeof vec_fletcher_odd];
    uint8_t *out;
    size_t on;
    /* Before HDF5 1.6.3 little-endian writers swapped the bytes of each
     * 16-bit half of the checksum. */
    memcpy(v, vec_fletcher_odd, sizeof v);
    uint8_t t = v[77];
    v[77] = v[78];
    v[78] = t;
    t = v[79];
    v[79] = v[80];
    v[80] = t;
    ck_assert_int_eq(c5_filter_fletcher32(&flt, &ctx, v, sizeof v, &out, &on), 0);
    ck_assert_uint_eq(on, 77);
    c5_free(NULL, out);
    /* Any damaged data byte, or the odd last byte, is detected. */
    c5_file *f = open_corpus("tfilters.h5");
    ctx.f = f;
    for (size_t i = 0; i < 77; i++) {
        memcpy(v, vec_fletcher_odd, sizeof v);
        v[i] ^= 0x10;
        out = (uint8_t *)&ctx;
        ck_assert_int_eq(c5_filter_fletcher32(&flt, &ctx, v, sizeof v, &out, &on), C5_ECORRUPT);
        ck_assert_ptr_null(out);
    }
    ck_assert(strstr(c5_errmsg(f), "fletcher32"));
    /* Shorter than the checksum. */
    ck_assert_int_eq(c5_filter_fletcher32(&flt, &ctx, v, 3, &out, &on), C5_ECORRUPT);
    /* Empty data: the checksum of nothing is 0. */
    static const uint8_t zero4[4] = {0};
    ck_assert_int_eq(c5_filter_fletcher32(&flt, &ctx, zero4, 4, &out, &on), 0);
    ck_assert_uint_eq(on, 0);
    c5_free(f, out);
    c5_file_close(f);
    /* With C5_OPEN_IGNORE_CHECKSUMS a mismatch is reported and the data kept. */
    c5_open_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = C5_OPEN_IGNORE_CHECKSUMS;
    f = open_corpus_opts("tfilters.h5", &o);
    ctx.f = f;
    memcpy(v, vec_fletcher_odd, sizeof v);
    v[5] ^= 1;
    ck_assert_int_eq(c5_filter_fletcher32(&flt, &ctx, v, sizeof v, &out, &on), 0);
    ck_assert_uint_eq(on, 77);
    ck_assert(strstr(c5_errmsg(f), "mismatch"));
    c5_free(f, out);
    c5_file_close(f);
}
END_TEST

/* ---- shuffle ------------------------------------------------------------------ */

START_TEST(test_filters_shuffle_inverts_for_every_size_and_tail)
{
    static const size_t sizes[] = {1, 2, 3, 4, 5, 8, 12, 15, 16};
    static const size_t lens[] = {0, 1, 7, 8, 16, 100, 999, 4096, 4099};
    uint8_t src[4200], sh[4200];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 131 + (i >> 5));
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++)
        for (size_t b = 0; b < sizeof lens / sizeof lens[0]; b++) {
            size_t s = sizes[a], n = lens[b];
            ref_shuffle(sh, src, n, s);
            uint32_t cd = (uint32_t)s;
            c5_pfilter flt = mkfilter(2, 1, 1, &cd);
            c5_filter_ctx ctx = mkctx(NULL, 1, n);
            uint8_t *out;
            size_t on;
            ck_assert_int_eq(c5_filter_shuffle(&flt, &ctx, sh, n, &out, &on), 0);
            ck_assert_uint_eq(on, n);
            ck_assert_msg(n == 0 || memcmp(out, src, n) == 0, "size %zu len %zu", s, n);
            c5_free(NULL, out);
            /* Without client data the element size comes from the dataset. */
            flt = mkfilter(2, 1, 0, NULL);
            ctx.elem_size = s;
            ck_assert_int_eq(c5_filter_shuffle(&flt, &ctx, sh, n, &out, &on), 0);
            ck_assert(n == 0 || memcmp(out, src, n) == 0);
            c5_free(NULL, out);
        }
    uint32_t zero = 0;
    c5_pfilter flt = mkfilter(2, 1, 1, &zero);
    c5_filter_ctx ctx = mkctx(NULL, 1, 8);
    uint8_t *out;
    size_t on;
    ck_assert_int_eq(c5_filter_shuffle(&flt, &ctx, src, 8, &out, &on), C5_ECORRUPT);
}
END_TEST

/* ---- LZF ------------------------------------------------------------------ */

START_TEST(test_filters_lzf_h5py_chunk_and_growth)
{
    uint32_t cd[3] = {4, 261, 40000};
    uint64_t hints[][2] = {{40000, 40000}, {100, 0}, {0, 0}, {0, 40000}, {0, 1}};
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        cd[2] = (uint32_t)hints[h][0];
        c5_pfilter flt = mkfilter(32000, 1, 3, cd);
        c5_filter_ctx ctx = mkctx(NULL, 8, hints[h][1]);
        uint8_t *out;
        size_t on;
        ck_assert_int_eq(c5_filter_lzf(&flt, &ctx, vec_lzf_runs, sizeof vec_lzf_runs, &out, &on),
                         0);
        ck_assert_uint_eq(on, 40000);
        for (size_t k = 0; k < 5000; k++)
            ck_assert_uint_eq(c5_le(out + 8 * k, 8), k / 1000);
        c5_free(NULL, out);
    }
}
END_TEST

START_TEST(test_filters_lzf_malformed_rejected)
{
    uint32_t cd[3] = {4, 261, 64};
    c5_pfilter flt = mkfilter(32000, 1, 3, cd);
    c5_filter_ctx ctx = mkctx(NULL, 1, 64);
    static const struct {
        uint8_t b[8];
        size_t n;
    } bad[] = {
        {{0x20, 0x00}, 2},             /* reference before the start */
        {{0x00, 'a', 0x20, 0x01}, 4},  /* distance 2 after one byte */
        {{0x05, 'a', 'b'}, 3},          /* literal run past the end */
        {{0x00, 'a', 0xe0}, 3},         /* long match without its length byte */
        {{0x00, 'a', 0xe0, 0x01}, 4},   /* ... without its offset byte */
        {{0x00, 'a', 0x20}, 3},         /* match without its offset byte */
        {{0}, 0},                       /* nothing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *out = (uint8_t *)&ctx;
        size_t on = 9;
        ck_assert_msg(c5_filter_lzf(&flt, &ctx, bad[i].b, bad[i].n, &out, &on) == C5_ECORRUPT,
                      "case %zu", i);
        ck_assert_ptr_null(out);
    }
    /* Overlapping copy: "a" then 9 more from distance 1. */
    static const uint8_t ok[] = {0x00, 'a', 0xe0, 0x00, 0x00};
    uint8_t *out;
    size_t on;
    ck_assert_int_eq(c5_filter_lzf(&flt, &ctx, ok, sizeof ok, &out, &on), 0);
    ck_assert_uint_eq(on, 10);
    ck_assert(memcmp(out, "aaaaaaaaaa", 10) == 0);
    c5_free(NULL, out);
    /* Every prefix of a real chunk decodes to a prefix or fails: never more. */
    cd[2] = 40000;
    for (size_t n = 1; n < sizeof vec_lzf_runs; n++) {
        int rc = c5_filter_lzf(&flt, &ctx, vec_lzf_runs, n, &out, &on);
        ck_assert(rc == 0 || rc == C5_ECORRUPT);
        if (rc == 0) {
            ck_assert_uint_le(on, 40000);
            c5_free(NULL, out);
        }
    }
}
END_TEST

/* ---- the pipeline message ------------------------------------------------------ */

typedef struct msgb {
    uint8_t b[512];
    size_t n;
} msgb;

static void m8(msgb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void m16(msgb *m, unsigned v)
{
    m8(m, v & 0xff);
    m8(m, (v >> 8) & 0xff);
}
static void m32(msgb *m, uint32_t v)
{
    m16(m, v & 0xffff);
    m16(m, v >> 16);
}
static void mname(msgb *m, const char *s, size_t padded)
{
    size_t l = strlen(s);
    memcpy(m->b + m->n, s, l);
    memset(m->b + m->n + l, 0, padded - l);
    m->n += padded;
}

static c5_mbody body(const msgb *m, size_t n)
{
    c5_mbody b;
    memset(&b, 0, sizeof b);
    b.p = m->b;
    b.n = n;
    b.addr = 1000;
    b.committed = C5_UNDEF;
    return b;
}

/* v1: shuffle (cd 4), deflate (cd 6), lzf (name padded to 16, 3 values). */
static void build_v1(msgb *m)
{
    memset(m, 0, sizeof *m);
    m8(m, 1);
    m8(m, 3);
    for (int i = 0; i < 6; i++)
        m8(m, 0);
    m16(m, 2), m16(m, 8), m16(m, 1), m16(m, 1), mname(m, "shuffle", 8), m32(m, 4), m32(m, 0);
    m16(m, 1), m16(m, 8), m16(m, 1), m16(m, 1), mname(m, "deflate", 8), m32(m, 6), m32(m, 0);
    m16(m, 32000), m16(m, 16), m16(m, 1), m16(m, 3), mname(m, "lzf", 16);
    m32(m, 4), m32(m, 261), m32(m, 1000), m32(m, 0);
}

START_TEST(test_filters_pipeline_decode_v1_names_and_padding)
{
    msgb m;
    build_v1(&m);
    c5_pipeline p;
    c5_mbody b = body(&m, m.n);
    ck_assert_int_eq(c5_pipeline_decode(NULL, &b, &p), 0);
    ck_assert_int_eq(p.n, 3);
    ck_assert_uint_eq(p.f[0].id, 2);
    ck_assert_str_eq(p.f[0].name, "shuffle");
    ck_assert_uint_eq(p.f[0].ncd, 1);
    ck_assert_uint_eq(p.f[0].cd[0], 4);
    ck_assert_uint_eq(p.f[1].id, 1);
    ck_assert_uint_eq(p.f[1].flags, 1);
    ck_assert_uint_eq(p.f[1].cd[0], 6);
    ck_assert_uint_eq(p.f[2].id, 32000);
    ck_assert_str_eq(p.f[2].name, "lzf");
    ck_assert_uint_eq(p.f[2].ncd, 3);
    ck_assert_uint_eq(p.f[2].cd[2], 1000);
    c5_pipeline_free(NULL, &p);
    ck_assert_int_eq(p.n, 0);
    /* The last filter's padding may be missing; anything shorter fails. */
    b = body(&m, m.n - 4);
    ck_assert_int_eq(c5_pipeline_decode(NULL, &b, &p), 0);
    c5_pipeline_free(NULL, &p);
    for (size_t n = 0; n < m.n - 4; n++) {
        b = body(&m, n);
        ck_assert_msg(c5_pipeline_decode(NULL, &b, &p) == C5_ECORRUPT, "cut at %zu", n);
        ck_assert_int_eq(p.n, 0);
    }
}
END_TEST

START_TEST(test_filters_pipeline_decode_v2_names_only_above_255)
{
    msgb m;
    memset(&m, 0, sizeof m);
    m8(&m, 2);
    m8(&m, 3);
    m16(&m, 2), m16(&m, 1), m16(&m, 1), m32(&m, 8);                     /* no name length */
    m16(&m, 32000), m16(&m, 4), m16(&m, 1), m16(&m, 3), mname(&m, "lzf", 4); /* unpadded */
    m32(&m, 4), m32(&m, 261), m32(&m, 77);                                 /* no padding */
    m16(&m, 3), m16(&m, 0), m16(&m, 0);
    c5_pipeline p;
    c5_mbody b = body(&m, m.n);
    ck_assert_int_eq(c5_pipeline_decode(NULL, &b, &p), 0);
    ck_assert_int_eq(p.n, 3);
    ck_assert_uint_eq(p.f[0].id, 2);
    ck_assert_ptr_null(p.f[0].name);
    ck_assert_uint_eq(p.f[0].cd[0], 8);
    ck_assert_str_eq(p.f[1].name, "lzf");
    ck_assert_uint_eq(p.f[1].cd[2], 77);
    ck_assert_uint_eq(p.f[2].id, 3);
    ck_assert_uint_eq(p.f[2].ncd, 0);
    ck_assert_ptr_null(p.f[2].cd);
    c5_pipeline_free(NULL, &p);
    for (size_t n = 0; n < m.n; n++) {
        b = body(&m, n);
        ck_assert_int_eq(c5_pipeline_decode(NULL, &b, &p), C5_ECORRUPT);
    }
}
END_TEST

START_TEST(test_filters_pipeline_decode_malformed_messages)
{
    c5_file *f = open_corpus("tfilters.h5");
    msgb m;
    c5_pipeline p;
    c5_mbody b;
    /* Versions 0 and 3. */
    build_v1(&m);
    m.b[0] = 0;
    b = body(&m, m.n);
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), C5_ECORRUPT);
    m.b[0] = 3;
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), C5_ECORRUPT);
    ck_assert(strstr(c5_errmsg(f), "version"));
    /* More than 32 filters. */
    build_v1(&m);
    m.b[1] = 33;
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), C5_ECORRUPT);
    /* A v1 name length that is not a multiple of 8. */
    build_v1(&m);
    m.b[10] = 7;
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), C5_ECORRUPT);
    ck_assert(strstr(c5_errmsg(f), "multiple of 8"));
    /* A name without its NUL. */
    build_v1(&m);
    memcpy(m.b + 16, "shufflex", 8);
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), C5_ECORRUPT);
    ck_assert(strstr(c5_errmsg(f), "NUL"));
    /* More client data than the message holds. */
    build_v1(&m);
    m.b[14] = 0xff;
    m.b[15] = 0xff;
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), C5_ECORRUPT);
    ck_assert_int_eq(p.n, 0);
    c5_file_close(f);
}
END_TEST

/* ---- the pipeline ---------------------------------------------------------------- */

START_TEST(test_filters_pipeline_apply_reverse_order_and_mask)
{
    /* data (int32 i) -> shuffle -> deflate (stored block) -> fletcher32 */
    uint8_t data[400], sh[400], z[512], full[520];
    for (int i = 0; i < 100; i++)
        for (int k = 0; k < 4; k++)
            data[4 * i + k] = (uint8_t)((uint32_t)(i * 1000003) >> (8 * k));
    ref_shuffle(sh, data, 400, 4);
    size_t zn = zlib_stored(z, sh, 400);
    memcpy(full, z, zn);
    uint32_t fl = ref_fletcher(z, zn);
    for (int k = 0; k < 4; k++)
        full[zn + k] = (uint8_t)(fl >> (8 * k));
    size_t fulln = zn + 4;

    uint32_t cd_shuf = 4, cd_defl = 6;
    c5_pipeline p;
    memset(&p, 0, sizeof p);
    p.n = 3;
    p.f[0] = mkfilter(2, 1, 1, &cd_shuf);
    p.f[1] = mkfilter(1, 1, 1, &cd_defl);
    p.f[2] = mkfilter(3, 0, 0, NULL);
    c5_filter_ctx ctx = mkctx(NULL, 4, 400);
    uint8_t *out;
    size_t on;
    ck_assert_int_eq(apply_copy(&p, 0, &ctx, full, fulln, &out, &on), 0);
    ck_assert_uint_eq(on, 400);
    ck_assert(memcmp(out, data, 400) == 0);
    c5_free(NULL, out);
    /* Bit 1 set: deflate was skipped for this chunk (stored shuffled +
     * checksum). */
    uint8_t nodefl[404];
    memcpy(nodefl, sh, 400);
    fl = ref_fletcher(sh, 400);
    for (int k = 0; k < 4; k++)
        nodefl[400 + k] = (uint8_t)(fl >> (8 * k));
    ck_assert_int_eq(apply_copy(&p, 2, &ctx, nodefl, 404, &out, &on), 0);
    ck_assert_uint_eq(on, 400);
    ck_assert(memcmp(out, data, 400) == 0);
    c5_free(NULL, out);
    /* Every bit set: raw bytes back unchanged; bits past the pipeline are
     * ignored. */
    ck_assert_int_eq(apply_copy(&p, 0xffffffffu, &ctx, data, 400, &out, &on), 0);
    ck_assert_uint_eq(on, 400);
    ck_assert(memcmp(out, data, 400) == 0);
    c5_free(NULL, out);
    /* The empty pipeline passes bytes through. */
    c5_pipeline none;
    memset(&none, 0, sizeof none);
    ck_assert_int_eq(apply_copy(&none, 0, &ctx, data, 400, &out, &on), 0);
    ck_assert_uint_eq(on, 400);
    c5_free(NULL, out);
    /* A failing filter in the middle frees everything and reports. */
    full[zn - 1] ^= 1; /* Adler-32 damaged, Fletcher-32 recomputed */
    fl = ref_fletcher(full, zn);
    for (int k = 0; k < 4; k++)
        full[zn + k] = (uint8_t)(fl >> (8 * k));
    out = (uint8_t *)&ctx;
    ck_assert_int_eq(apply_copy(&p, 0, &ctx, full, fulln, &out, &on), C5_ECORRUPT);
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_filters_pipeline_apply_missing_filter_named)
{
    c5_file *f = open_corpus("tfilters.h5");
    c5_filter_ctx ctx = mkctx(f, 4, 16);
    ctx.chunk_addr = 4096;
    uint8_t data[16] = {1, 2, 3};
    uint8_t *out;
    size_t on;
    c5_pipeline p;
    memset(&p, 0, sizeof p);
    p.n = 1;
    p.f[0] = mkfilter(40000, 0, 0, NULL);
    p.f[0].name = "my_filter";
    ck_assert_int_eq(apply_copy(&p, 0, &ctx, data, 16, &out, &on), C5_ENOFILTER);
    ck_assert(strstr(c5_errmsg(f), "40000"));
    ck_assert(strstr(c5_errmsg(f), "my_filter"));
    /* A known ID without a name in the message is named from the table;
     * an optional filter that was applied cannot be skipped either. */
    p.f[0] = mkfilter(32008, 1, 0, NULL);
    ck_assert_int_eq(apply_copy(&p, 0, &ctx, data, 16, &out, &on), C5_ENOFILTER);
    ck_assert(strstr(c5_errmsg(f), "32008"));
    ck_assert(strstr(c5_errmsg(f), "bitshuffle"));
    /* ...but when the chunk's mask says it was not applied, it is not
     * needed. */
    ck_assert_int_eq(apply_copy(&p, 1, &ctx, data, 16, &out, &on), 0);
    ck_assert_uint_eq(on, 16);
    ck_assert(memcmp(out, data, 16) == 0);
    c5_free(f, out);
    c5_file_close(f);
}
END_TEST

/* ---- corpus: whole datasets, chunk by chunk --------------------------------- */

typedef struct walk {
    c5_file *f;
    c5_pipeline pl;
    int rank;
    uint64_t dims[C5_MAX_RANK], chunk[C5_MAX_RANK];
    size_t esz;
    uint8_t *full;
    int nchunks;
} walk;

static int walk_chunk(void *ud, const uint8_t *key, size_t keylen, uint64_t child)
{
    walk *w = ud;
    uint32_t size = (uint32_t)c5_le(key, 4), mask = (uint32_t)c5_le(key + 4, 4);
    uint64_t off[C5_MAX_RANK], cb = w->esz;
    for (int i = 0; i < w->rank; i++) {
        off[i] = c5_le(key + 8 + 8 * (size_t)i, 8);
        cb *= w->chunk[i];
    }
    uint8_t *raw;
    ck_assert_int_eq(c5_read_alloc(w->f, child, size, "chunk", &raw), 0);
    c5_filter_ctx ctx = mkctx(w->f, w->esz, cb);
    ctx.chunk_addr = child;
    uint8_t *out;
    size_t on;
    int rc = c5_pipeline_apply(&w->pl, mask, &ctx, raw, size, &out, &on);
    ck_assert_msg(rc == 0, "chunk at %llu: %s", (unsigned long long)child, c5_errmsg(w->f));
    ck_assert_uint_eq(on, cb);
    uint64_t n = cb / w->esz;
    for (uint64_t e = 0; e < n; e++) {
        uint64_t r = e, lin = 0, idx[C5_MAX_RANK];
        int inside = 1;
        for (int i = w->rank - 1; i >= 0; i--) {
            idx[i] = r % w->chunk[i];
            r /= w->chunk[i];
        }
        for (int i = 0; i < w->rank && inside; i++) {
            uint64_t g = off[i] + idx[i];
            inside = g < w->dims[i];
            lin = lin * w->dims[i] + g;
        }
        if (inside)
            memcpy(w->full + lin * w->esz, out + e * w->esz, w->esz);
    }
    c5_free(w->f, out);
    w->nchunks++;
    return 0;
}

static const struct {
    const char *file, *path;
    int nfilters;
    uint16_t ids[4];
} corpus_sets[] = {
    {"tfilters.h5", "/deflate", 1, {1}},
    {"tfilters.h5", "/shuffle", 1, {2}},
    {"tfilters.h5", "/fletcher32", 1, {3}},
    {"h5repack_filters.h5", "/dset_all", 3, {2, 3, 1}},
    {"h5repack_filters.h5", "/dset_deflate", 1, {1}},
    {"h5repack_filters.h5", "/dset_fletcher32", 1, {3}},
    {"h5repack_filters.h5", "/dset_shuffle", 1, {2}},
};

/* int32 datasets holding their own row-major index, decoded chunk by
 * chunk from the v1 B-tree. */
START_TEST(test_filters_corpus_datasets_decode_to_index_values)
{
    int k = _i;
    walk w;
    memset(&w, 0, sizeof w);
    w.f = open_corpus(corpus_sets[k].file);
    c5_object *o;
    ck_assert_int_eq(c5_object_open(&o, w.f, corpus_sets[k].path), 0);
    ck_assert_int_eq(c5_dataset_load(o), 0);
    ck_assert_int_eq(o->layout.cls, C5_LAYOUT_CHUNKED);
    ck_assert_int_lt(o->layout.version, 4);
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(w.f, o->oh, C5_MSG_PIPELINE, &pos, &b), 0);
    ck_assert_int_eq(c5_pipeline_decode(w.f, &b, &w.pl), 0);
    c5_mbody_free(w.f, &b);
    ck_assert_int_eq(w.pl.n, corpus_sets[k].nfilters);
    for (int i = 0; i < w.pl.n; i++)
        ck_assert_uint_eq(w.pl.f[i].id, corpus_sets[k].ids[i]);
    w.rank = o->layout.ndims - 1;
    w.esz = (size_t)o->layout.chunk[o->layout.ndims - 1];
    ck_assert_uint_eq(w.esz, 4);
    uint64_t total = 1;
    for (int i = 0; i < w.rank; i++) {
        w.dims[i] = o->space.dims[i];
        w.chunk[i] = o->layout.chunk[i];
        total *= w.dims[i];
    }
    w.full = calloc(total, 4);
    ck_assert_int_eq(c5_bt1_iterate(w.f, o->layout.addr, 1, 8 + 8 * (size_t)o->layout.ndims,
                                    walk_chunk, &w),
                     0);
    ck_assert_int_gt(w.nchunks, 1);
    for (uint64_t i = 0; i < total; i++)
        ck_assert_uint_eq(c5_le(w.full + 4 * i, 4), i);
    free(w.full);
    c5_pipeline_free(w.f, &w.pl);
    c5_object_close(o);
    c5_file_close(w.f);
}
END_TEST

/* The pipeline message of tfilters.h5 "all": shuffle, szip, deflate 5,
 * fletcher32, nbit. */
START_TEST(test_filters_corpus_pipeline_message_of_all_filters)
{
    c5_file *f = open_corpus("tfilters.h5");
    c5_object *o;
    ck_assert_int_eq(c5_object_open(&o, f, "/all"), 0);
    size_t pos = 0;
    c5_mbody b;
    ck_assert_int_eq(c5_ohdr_find(f, o->oh, C5_MSG_PIPELINE, &pos, &b), 0);
    c5_pipeline p;
    ck_assert_int_eq(c5_pipeline_decode(f, &b, &p), 0);
    c5_mbody_free(f, &b);
    static const uint16_t ids[] = {2, 4, 1, 3, 5};
    ck_assert_int_eq(p.n, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(p.f[i].id, ids[i]);
    ck_assert_uint_ge(p.f[2].ncd, 1);
    ck_assert_uint_eq(p.f[2].cd[0], 5);
    ck_assert_uint_eq(p.f[3].ncd, 0);
    c5_pipeline_free(f, &p);
    c5_object_close(o);
    c5_file_close(f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("filters_core");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_filters_inflate_committed_vectors_every_engine);
    tcase_add_test(tc, test_filters_inflate_trailing_bytes_ignored_like_libhdf5);
    tcase_add_test(tc, test_filters_inflate_handmade_streams);
    tcase_add_test(tc, test_filters_inflate_malformed_streams_rejected);
    tcase_add_test(tc, test_filters_inflate_truncation_and_bit_flips_never_crash);
#ifdef C5_HAVE_ZLIB
    tcase_add_test(tc, test_filters_inflate_zlib_levels_all_engines_identical);
#endif
    tcase_add_test(tc, test_filters_deflate_grows_past_expected_chunk_size);
    tcase_add_test(tc, test_filters_fletcher32_odd_and_even_h5py_chunks);
    tcase_add_test(tc, test_filters_fletcher32_swapped_accepted_damage_rejected);
    tcase_add_test(tc, test_filters_shuffle_inverts_for_every_size_and_tail);
    tcase_add_test(tc, test_filters_lzf_h5py_chunk_and_growth);
    tcase_add_test(tc, test_filters_lzf_malformed_rejected);
    tcase_add_test(tc, test_filters_pipeline_decode_v1_names_and_padding);
    tcase_add_test(tc, test_filters_pipeline_decode_v2_names_only_above_255);
    tcase_add_test(tc, test_filters_pipeline_decode_malformed_messages);
    tcase_add_test(tc, test_filters_pipeline_apply_reverse_order_and_mask);
    tcase_add_test(tc, test_filters_pipeline_apply_missing_filter_named);
    tcase_add_loop_test(tc, test_filters_corpus_datasets_decode_to_index_values, 0,
                        (int)(sizeof corpus_sets / sizeof corpus_sets[0]));
    tcase_add_test(tc, test_filters_corpus_pipeline_message_of_all_filters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
