/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared by the files of the altp2m module.
 */
#ifndef ALTP2M_H
#define ALTP2M_H

#include "core/caps.h"

/*
 * What this host offers, decided once at load time and read-only after
 * that, so it needs no lock.
 */
extern struct altp2m_hw altp2m_host;

int altp2m_dev_init(void);
void altp2m_dev_exit(void);

#endif /* ALTP2M_H */
