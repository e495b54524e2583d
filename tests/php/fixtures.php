<?php
// Prints the var_dump cases that tests/golden/php_*.txt hold: each a scraper dump (headline,
// headline, dateline, body) whose payload is what PHP (or Xdebug) itself printed. Run by make.sh;
// the case to print is the first argument, so that each runs in the PHP (plain or Xdebug) it needs.

enum Suit: string { case Hearts = 'H'; }

class Related {
    public string $id;
    public string $sort;
    public string $contenttypeid;
    public string $pic;
    public string $title;
    protected ?int $views = null;
    private float $score = 0.5;
    public readonly string $source;
    public int $unset;
    public function __construct(array $fields) {
        foreach ($fields as $key => $value) { $this->$key = $value; }
        $this->source = "feed";
    }
}

const FAKE_DUMP = "Fake header\n\nHeadline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\nbody";

const UNICODE_DIGIT_ITEMS = [
    ["id" => "١٢٣٤", "sort" => "٥٦٧", "contenttypeid" => "٢١", "pic" => "/a.jpg", "title" => "أخبار"],
    ["id" => "۱۲۳۵", "sort" => "۵۶۸", "contenttypeid" => "۲۱", "pic" => "/b.jpg", "title" => "خبر"],
];

function item(int $n, string $title, string $pic = "/pics/photo.jpg"): array {
    return ["id" => (string)(1877300 + $n), "sort" => (string)(3650700 + $n),
            "contenttypeid" => "21", "pic" => $pic, "title" => $title];
}

// The scraper builds its JSON by concatenation: nothing is escaped.
function scraped(array $items): string {
    $parts = [];
    foreach ($items as $i) {
        $parts[] = '{"id":"' . $i["id"] . '","sort":"' . $i["sort"] . '","contenttypeid":"'
            . $i["contenttypeid"] . '","pic":"' . $i["pic"] . '","title":"' . $i["title"] . '"}';
    }
    return "[" . implode(" ,", $parts) . " ]";
}

function header_lines(string $headline): string {
    return "$headline\n\n$headline\nTue Oct 25, 2016 21:36:02\n\n"
        . "The first paragraph of the article.\n\nThe second one.\n\n\n";
}

$cases = [
    "plain_string" => fn() => scraped([item(1, "Markets rally"), item(2, "Rates hold")]),
    "title_holds_title_key" => fn() => scraped([item(1, 'Quote","title":"Not the title'), item(2, "Second")]),
    "title_holds_id_key" => fn() => scraped([item(1, 'Odd","id":"999'), item(2, "Second")]),
    "json_encode" => fn() => json_encode([item(1, "Cafe\u{0301} in Paris/Lyon"), item(2, iconv("ISO-8859-1", "UTF-8", "Café crème"), "/a/b.mp4")]),
    "array" => fn() => [item(1, "Markets rally"), item(2, "Rates \"hold\"")],
    "array_mixed_values" => fn() => [item(1, "Kept"), 1.5, true, null, [1, [2.25, false]], item(2, "Also kept"), ["id" => "7", "title" => "no pic"]],
    "array_title_line_break" => fn() => [item(1, "First line\nsecond line"), item(2, "After")],
    "objects_typed" => fn() => [new Related(item(1, "Typed one")), new Related(item(2, "Typed two"))],
    "float" => fn() => 1.5,
    "odd_values" => fn() => [item(1, "Kept"), Suit::Hearts, fn($x) => $x, STDIN, item(2, "Kept too")],
    "string_with_nul" => fn() => scraped([item(1, "Before\0after"), item(2, "Second")]),
    "long_string" => fn() => scraped(array_map(fn($n) => item($n, "Title number $n with several more words in it"), range(1, 12))),
    "deep_array" => fn() => ["outer" => ["inner" => [item(1, "Deep")]]],
    // A title that holds a whole dump header: the declared length says where the payload ends.
    "title_holds_a_dump" => fn() => scraped([item(1, "First"), item(2, FAKE_DUMP), item(3, "Third")]),
    "array_title_holds_a_dump" => fn() => [item(1, "First"), item(2, FAKE_DUMP), item(3, "Third")],
    // Ids in Arabic-Indic and Persian digits (as some sites store them), scraped and var_dumped.
    "unicode_digits" => fn() => scraped(UNICODE_DIGIT_ITEMS),
    "array_unicode_digits" => fn() => UNICODE_DIGIT_ITEMS,
    // json_encode of an array keyed by ids is a JSON object: its values are the items.
    "json_encode_keyed_by_id" => fn() => json_encode([3 => item(1, "Keyed three"), 7 => item(2, "Keyed seven")]),
    // One title cut by substr() inside a character, among intact Persian ones.
    "cut_inside_a_character" => fn() => scraped([item(1, "۱۳۹۵ سال"), item(2, substr("خبر فوری امروز", 0, 8)), item(3, "ایران")]),
    // For Xdebug's display limits: a title cut in the middle item, more items than are shown.
    "middle_title_long" => fn() => [item(1, "Short"), item(2, "A much longer title that Xdebug cuts"), item(3, "Third")],
    "seven_items" => fn() => array_map(fn($n) => item($n, "Title $n"), range(1, 7)),
    // `$related[$title] = $row`: keys with line breaks, quotes and what looks like a dump.
    "array_keys_with_line_breaks" => fn() => [
        "First\r\nline" => item(1, "First\r\nline"),
        "return\"]=>\n  array(5) {" => item(2, "Second"),
        'Xdebug\' => fake' => item(3, "Third"),
        FAKE_DUMP => item(4, "Fourth"),
    ],
];

$case = $argv[1];
$value = $cases[$case]();
echo header_lines("Case $case");
if (($argv[2] ?? "") === "eval") {
    eval('var_dump($value);');
} else {
    var_dump($value);
}
