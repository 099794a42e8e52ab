# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
B# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
b# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
F# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
M# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
2# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
W# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
K# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
I# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
N# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
V# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
N# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
_# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
N# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
V# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
x# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
w# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
S# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
;# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
Y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
j# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
j# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
U# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
N# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
&# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
&# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
Y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
j# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
Y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
Y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
Y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
W# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
B# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
S# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
_# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
U# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
L# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
b# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
b# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
_# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
I# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
w# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
b# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
U# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
N# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
&# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
&# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
w# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
U# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
S# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
N# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
V# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
H# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
S# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
\# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
3# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
\# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
_# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
I# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
X# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
S# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
3# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
H# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
A# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
L# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
H# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
H# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
K# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
1# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
3# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
2# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
3# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
\# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
M# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
[# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
'# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
1# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
2# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
7# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
1# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
'# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
+# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
P# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
O# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
|# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
|# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
3# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
+# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
'# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
z# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
'# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
># The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
x# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
?# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
0# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
1# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
=# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
># The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
x# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
(# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
1# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
)# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
]# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
`# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
`# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
I# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
y# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
:# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
`# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
`# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
`# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
k# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
`# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
'# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
S# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
I# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
G# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
T# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
E# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
R# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
M# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
w# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
b# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
## The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
q# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
w# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
l# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
b# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
f# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
h# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
M# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
g# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
u# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
a# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
C# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
M# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
D# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
[# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
n# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
d# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
-# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
i# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
m# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
p# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
o# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
x# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
,# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
 # The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
c# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
/# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
v# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
e# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
r# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
.# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
t# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
s# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
"# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
]# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.

# The command `npm start` runs, started directly so that `docker stop`'s SIGTERM reaches the
# service itself and in-flight requests finish. Migrations run on start.
