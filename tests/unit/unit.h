#include <check.h>
#include "cfive.h"
