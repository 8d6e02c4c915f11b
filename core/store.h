/* store.h: being written by the store work. */
#ifndef OPS_STORE_H
#define OPS_STORE_H
#endif
