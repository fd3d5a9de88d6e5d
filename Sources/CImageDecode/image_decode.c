/* Implemented in image_decode.c. */
