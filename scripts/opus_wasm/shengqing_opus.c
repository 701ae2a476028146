/* The few libopus entry points shengqing calls, without varargs (opus_encoder_ctl is variadic, which does
 * not cross the WebAssembly boundary cleanly) and with the encoder's settings fixed in one place. */
#include <stdlib.h>
#include "opus.h"

/* Returns an encoder for 24 kHz mono speech, or 0 (error code in *error). */
OpusEncoder *sq_encoder_new(opus_int32 sample_rate, opus_int32 bitrate, int complexity, int *error) {
    OpusEncoder *encoder = opus_encoder_create(sample_rate, 1, OPUS_APPLICATION_AUDIO, error);
    if (encoder == NULL) return NULL;
    int status = opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate));
    if (status == OPUS_OK) status = opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
    if (status == OPUS_OK) status = opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    if (status == OPUS_OK) status = opus_encoder_ctl(encoder, OPUS_SET_VBR(1));
    if (status != OPUS_OK) {
        opus_encoder_destroy(encoder);
        *error = status;
        return NULL;
    }
    return encoder;
}

/* Samples of delay the decoder must skip (the encoder's lookahead), at the input sample rate. */
int sq_encoder_lookahead(OpusEncoder *encoder) {
    opus_int32 lookahead = 0;
    if (opus_encoder_ctl(encoder, OPUS_GET_LOOKAHEAD(&lookahead)) != OPUS_OK) return -1;
    return (int)lookahead;
}

int sq_encode(OpusEncoder *encoder, const opus_int16 *pcm, int frame_size, unsigned char *packet, int capacity) {
    return opus_encode(encoder, pcm, frame_size, packet, capacity);
}

void sq_encoder_free(OpusEncoder *encoder) { opus_encoder_destroy(encoder); }

const char *sq_version(void) { return opus_get_version_string(); }

void *sq_alloc(int size) { return malloc((size_t)size); }
void sq_free(void *pointer) { free(pointer); }
