/* x87 kernel: the n-body simulation (doubles; -m32 -O2 compiles to x87). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define NB 5
static const double PI = 3.141592653589793, SOLAR_MASS = 4 * PI * PI, DAYS = 365.24;
typedef struct {
  double x, y, z, vx, vy, vz, m;
} body;
static body b[NB] = {{0, 0, 0, 0, 0, 0, 4 * 3.141592653589793 * 3.141592653589793},
                     {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
                      1.66007664274403694e-03 * 365.24, 7.69901118419740425e-03 * 365.24,
                      -6.90460016972063023e-05 * 365.24,
                      9.54791938424326609e-04 * 4 * 3.141592653589793 * 3.141592653589793},
                     {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
                      -2.76742510726862411e-03 * 365.24, 4.99852801234917238e-03 * 365.24,
                      2.30417297573763929e-05 * 365.24,
                      2.85885980666130812e-04 * 4 * 3.141592653589793 * 3.141592653589793},
                     {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
                      2.96460137564761618e-03 * 365.24, 2.37847173959480950e-03 * 365.24,
                      -2.96589568540237556e-05 * 365.24,
                      4.36624404335156298e-05 * 4 * 3.141592653589793 * 3.141592653589793},
                     {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
                      2.68067772490389322e-03 * 365.24, 1.62824170038242295e-03 * 365.24,
                      -9.51592254519715870e-05 * 365.24,
                      5.15138902046611451e-05 * 4 * 3.141592653589793 * 3.141592653589793}};

static double energy(void) {
  double e = 0;
  for (int i = 0; i < NB; i++) {
    e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < NB; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

int main(int argc, char** argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 200000;
  (void)SOLAR_MASS;
  (void)DAYS;
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < NB; i++)
    px += b[i].vx * b[i].m, py += b[i].vy * b[i].m, pz += b[i].vz * b[i].m;
  b[0].vx = -px / b[0].m, b[0].vy = -py / b[0].m, b[0].vz = -pz / b[0].m;
  printf("%.9f\n", energy());
  const double dt = 0.01;
  for (int s = 0; s < steps; s++) {
    for (int i = 0; i < NB; i++)
      for (int j = i + 1; j < NB; j++) {
        double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
        double d2 = dx * dx + dy * dy + dz * dz;
        double mag = dt / (d2 * sqrt(d2));
        b[i].vx -= dx * b[j].m * mag, b[i].vy -= dy * b[j].m * mag, b[i].vz -= dz * b[j].m * mag;
        b[j].vx += dx * b[i].m * mag, b[j].vy += dy * b[i].m * mag, b[j].vz += dz * b[i].m * mag;
      }
    for (int i = 0; i < NB; i++)
      b[i].x += dt * b[i].vx, b[i].y += dt * b[i].vy, b[i].z += dt * b[i].vz;
  }
  printf("%.9f\n", energy());
  return 0;
}
