// log and exp that give the same bits on every machine.
//
// glibc picks its libm routines at run time by CPU (e.g. __ieee754_log_fma on CPUs with FMA),
// and two correct implementations may round a few inputs differently, so std::log/std::exp
// could make a trace depend on the machine. These use only IEEE-754 +, -, *, / (exact and
// identical everywhere, given -ffp-contract=off) following the classic fdlibm algorithms
// (Sun Microsystems, 1993: e_log.c and e_exp.c): argument reduction by powers of two, then a
// minimax polynomial. Error below 1 ulp; tests compare them with std::log/std::exp.
#pragma once

namespace sim::kernel {

double det_log(double x);
double det_exp(double x);

}  // namespace sim::kernel
