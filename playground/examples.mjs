// examples.mjs - the scripts of the playground's example menu.

export const examples = [
  {
    id: 'basics',
    title: 'Language basics',
    code: `// Values, string templates, functions, lambdas and collections.
val language = "Lyng"
println("Hello from $language in your browser!")

fun greet(name, greeting = "Hello") = "$greeting, $name!"
println(greet("world"))
println(greet("friend", greeting: "Hi"))

val squares = (1..6).map { it * it }
println("squares: " + squares.joinToString(" "))
println("sum of even squares: " + squares.filter { it % 2 == 0 }.sum())

val capitals = { France: "Paris", Japan: "Tokyo", Peru: "Lima" }
for (e in capitals) println("  \${e.key} -> \${e.value}")

val size = when (squares.last) {
    in 0..20 -> "small"
    in 21..50 -> "medium"
    else -> "large"
}
// the value of the last line is shown after the output
"the biggest square is $size"
`,
  },
  {
    id: 'classes',
    title: 'Classes, enums, lazy values, flows',
    code: `// Classes with several bases, enums, lazy values, user equality and flows.
enum Suit { HEARTS, SPADES }

interface Named { fun label() = "card " + toString() }
open class Ranked(val rank) {
    fun beats(other) = rank > other.rank
}
class Card(rank, val suit) : Ranked(rank), Named {
    val short by lazy { "$rank\${suit.name[0]}" }
    fun equals(other) = other is Card && rank == other.rank && suit == other.suit
    fun hashCode() = rank * 31 + suit.ordinal
    fun toString() = short
}

val hand = [Card(10, Suit.HEARTS), Card(3, Suit.SPADES), Card(10, Suit.HEARTS)]
println("distinct: " + hand.toSet().size)
println("10H beats 3S: " + hand[0].beats(hand[1]))
println(hand[1].label())

val deal = flow { for (c in hand) { delay(5); emit(c) } }
for (c in deal) {
    if (c.suit == Suit.SPADES) break
    println("dealt $c")
}
hand.sortedBy { it.rank }.map { it.toString() }
`,
  },
  {
    id: 'coroutines',
    title: 'Coroutines: launch and delay',
    code: `// launch starts a coroutine; delay suspends it without blocking the page.
fun worker(name, steps, pause) {
    for (i in 1..steps) {
        println("$name: step $i")
        delay(pause)
    }
    "$name done"
}

val tortoise = launch { worker("tortoise", 3, 300) }
val hare = launch { worker("hare", 3, 40) }
println("both started")
println(hare.await())
println(tortoise.await())
`,
  },
  {
    id: 'net',
    title: 'Networking: capability check',
    code: `// A web page cannot open raw TCP or UDP sockets: every check says false,
// and a socket operation raises a clear exception.
import lyng.io.net

println("supported: " + Net.isSupported())
println("tcp: " + Net.isTcpAvailable())
println("tcp server: " + Net.isTcpServerAvailable())
println("udp: " + Net.isUdpAvailable())
try {
    Net.tcpConnect("127.0.0.1", 80)
} catch (e) {
    println("tcpConnect: " + e.message)
}
`,
  },
  {
    id: 'error',
    title: 'An uncaught exception',
    code: `// An uncaught exception is shown with its line and column.
fun average(list) {
    var total = 0
    for (x in list) total += x
    return total / list.size
}

println(average([2, 4, 6]))
println(average([]))
`,
  },
  {
    id: 'endless',
    title: 'An endless loop (press Stop)',
    code: `// This loop never ends, yet the page stays responsive: press Stop.
var n = 0
while (true) {
    n++
    if (n % 2000000 == 0) println("still counting: $n")
}
`,
  },
];
