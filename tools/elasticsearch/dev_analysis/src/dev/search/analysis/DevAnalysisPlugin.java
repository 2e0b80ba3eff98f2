/*
 * Development-only stand-in for the parts of Elasticsearch's analysis-common module that this
 * project needs. Elastic's integ-test-zip distribution (the only Elasticsearch 8/9 server build on
 * Maven Central) ships without analysis-common, and that module is not published on Maven Central,
 * so language analyzers, stemmers, synonyms, asciifolding, ngrams, ... are missing.
 *
 * This plugin registers, under the same names and with the same main options as analysis-common,
 * thin wrappers around the Lucene classes that the distribution already contains
 * (lib/lucene-analysis-common-*.jar). It is compiled by tools/elasticsearch/launcher.py against the
 * jars of the installed distribution and copied into its plugins/ folder. It is NOT a complete or
 * byte-for-byte reimplementation: unsupported options are ignored, see README in this folder.
 */
package dev.search.analysis;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.analysis.charfilter.MappingCharFilter;
import org.apache.lucene.analysis.charfilter.NormalizeCharMap;
import org.apache.lucene.analysis.classic.ClassicTokenizer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.LetterTokenizer;
import org.apache.lucene.analysis.core.UpperCaseFilter;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.fi.FinnishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.LengthFilter;
import org.apache.lucene.analysis.miscellaneous.SetKeywordMarkerFilter;
import org.apache.lucene.analysis.miscellaneous.TrimFilter;
import org.apache.lucene.analysis.miscellaneous.TruncateTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.ngram.NGramTokenizer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.no.NorwegianAnalyzer;
import org.apache.lucene.analysis.pattern.PatternReplaceCharFilter;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.reverse.ReverseStringFilter;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymFilter;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexService.IndexCreationContext;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerScope;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.CustomAnalyzer;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

public class DevAnalysisPlugin extends Plugin implements AnalysisPlugin {

    // ------------------------------------------------------------------ small helpers

    /** A token filter factory from a name and a TokenStream -> TokenStream function. */
    static TokenFilterFactory filter(String name, Function<TokenStream, TokenStream> fn) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream in) {
                return fn.apply(in);
            }
        };
    }

    /** Like {@link #filter} but not usable while parsing synonyms (same rule as Elasticsearch). */
    static TokenFilterFactory noSynonymFilter(String name, Function<TokenStream, TokenStream> fn) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream in) {
                return fn.apply(in);
            }

            @Override
            public TokenFilterFactory getSynonymFilter() {
                throw new IllegalArgumentException("Token filter [" + name + "] cannot be used to parse synonyms");
            }
        };
    }

    static int intSetting(Settings s, String key, int dflt) {
        Integer v = s.getAsInt(key, dflt);
        return v == null ? dflt : v;
    }

    static boolean boolSetting(Settings s, String key, boolean dflt) {
        Boolean v = s.getAsBoolean(key, dflt);
        return v == null ? dflt : v;
    }

    static void checkNgramDiff(IndexSettings indexSettings, String name, int min, int max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("[" + name + "]: min_gram must be >= 1 and <= max_gram");
        }
        if (indexSettings != null && indexSettings.getIndexMetadata() != null) {
            int allowed = indexSettings.getMaxNgramDiff();
            if (max - min > allowed) {
                throw new IllegalArgumentException(
                    "The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: ["
                        + allowed + "] but was [" + (max - min) + "]. This limit can be set by changing the ["
                        + IndexSettings.MAX_NGRAM_DIFF_SETTING.getKey() + "] index level setting."
                );
            }
        }
    }

    /** token_chars of the ngram tokenizers: letter, digit, whitespace, punctuation, symbol. */
    static java.util.function.IntPredicate tokenChars(Settings s) {
        List<String> classes = s.getAsList("token_chars");
        if (classes == null || classes.isEmpty()) {
            return c -> true;
        }
        Set<String> wanted = new HashSet<>();
        for (String c : classes) {
            wanted.add(c.toLowerCase(Locale.ROOT));
        }
        return c -> {
            if (wanted.contains("letter") && Character.isLetter(c)) return true;
            if (wanted.contains("digit") && Character.isDigit(c)) return true;
            if (wanted.contains("whitespace") && Character.isWhitespace(c)) return true;
            int type = Character.getType(c);
            if (wanted.contains("punctuation")
                && (type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                    || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                    || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                    || type == Character.OTHER_PUNCTUATION)) return true;
            if (wanted.contains("symbol")
                && (type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL
                    || type == Character.MODIFIER_SYMBOL || type == Character.OTHER_SYMBOL)) return true;
            return false;
        };
    }

    // ------------------------------------------------------------------ stemmers

    static Function<TokenStream, TokenStream> stemmer(String language) {
        String lang = language.toLowerCase(Locale.ROOT);
        switch (lang) {
            case "english":
            case "porter":
                return PorterStemFilter::new;
            case "light_english":
            case "kstem":
                return KStemFilter::new;
            case "minimal_english":
                return EnglishMinimalStemFilter::new;
            case "possessive_english":
                return EnglishPossessiveFilter::new;
            case "porter2":
                return in -> new SnowballFilter(in, "English");
            default:
                // Snowball stemmers: french, german, spanish, italian, dutch, russian, ...
                String snowball = lang.substring(0, 1).toUpperCase(Locale.ROOT) + lang.substring(1);
                try {
                    new SnowballFilter(new KeywordTokenizer(), snowball).close();
                } catch (RuntimeException | IOException e) {
                    throw new IllegalArgumentException("stemmer language [" + language + "] is not supported by the dev analysis plugin");
                }
                return in -> new SnowballFilter(in, snowball);
        }
    }

    // ------------------------------------------------------------------ synonyms

    /** synonym / synonym_graph: inline "synonyms" or "synonyms_path" in Solr format. */
    static final class SynonymFactory implements TokenFilterFactory {
        private final String name;
        private final boolean graph;
        private final Settings settings;
        private final Environment env;

        SynonymFactory(String name, boolean graph, Environment env, Settings settings) {
            this.name = name;
            this.graph = graph;
            this.env = env;
            this.settings = settings;
            String format = settings.get("format", "solr");
            if (!"solr".equals(format)) {
                throw new IllegalArgumentException("[" + name + "]: only format [solr] is supported by the dev analysis plugin");
            }
            if (settings.get("synonyms_set") != null) {
                throw new IllegalArgumentException("[" + name + "]: synonyms_set is not supported by the dev analysis plugin");
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public TokenStream create(TokenStream in) {
            throw new IllegalStateException("Call getChainAwareTokenFilterFactory to specialize this factory for an analysis chain first");
        }

        @Override
        public TokenFilterFactory getSynonymFilter() {
            // Synonym filters earlier in a chain are skipped when parsing later synonym rules.
            return IDENTITY_FILTER;
        }

        @Override
        public TokenFilterFactory getChainAwareTokenFilterFactory(
            IndexCreationContext context,
            TokenizerFactory tokenizer,
            List<CharFilterFactory> charFilters,
            List<TokenFilterFactory> previousTokenFilters,
            Function<String, TokenFilterFactory> allFilters
        ) {
            List<TokenFilterFactory> chain = new ArrayList<>();
            for (TokenFilterFactory previous : previousTokenFilters) {
                chain.add(previous.getSynonymFilter());
            }
            Analyzer analyzer = new CustomAnalyzer(
                tokenizer,
                charFilters.toArray(new CharFilterFactory[0]),
                chain.toArray(new TokenFilterFactory[0])
            );
            SynonymMap map = buildMap(analyzer);
            String ownName = name;
            boolean isGraph = graph;
            return new TokenFilterFactory() {
                @Override
                public String name() {
                    return ownName;
                }

                @Override
                public TokenStream create(TokenStream in) {
                    // An empty map (no rules) must be a no-op rather than an error.
                    if (map.fst == null) return in;
                    return isGraph ? new SynonymGraphFilter(in, map, false) : new SynonymFilter(in, map, false);
                }

                @Override
                public TokenFilterFactory getSynonymFilter() {
                    return IDENTITY_FILTER;
                }
            };
        }

        private SynonymMap buildMap(Analyzer analyzer) {
            boolean expand = boolSetting(settings, "expand", true);
            boolean lenient = boolSetting(settings, "lenient", false);
            List<String> rules = new ArrayList<>();
            List<String> inline = settings.getAsList("synonyms", null);
            if (inline != null && !inline.isEmpty()) {
                rules.addAll(inline);
            } else if (settings.get("synonyms_path") != null) {
                rules.addAll(Analysis.getWordList(env, settings, "synonyms_path", "synonyms", true));
            } else if (inline == null) {
                throw new IllegalArgumentException("synonym requires either `synonyms` or `synonyms_path` to be configured");
            }
            try {
                if (!lenient) {
                    SolrSynonymParser parser = new SolrSynonymParser(true, expand, analyzer);
                    parser.parse(new StringReader(String.join("\n", rules)));
                    return parser.build();
                }
                SolrSynonymParser parser = new SolrSynonymParser(true, expand, analyzer);
                for (String rule : rules) {
                    // Lenient: validate each rule on its own, keep the good ones.
                    try {
                        SolrSynonymParser probe = new SolrSynonymParser(true, expand, analyzer);
                        probe.parse(new StringReader(rule));
                    } catch (ParseException | IllegalArgumentException e) {
                        continue;
                    }
                    parser.parse(new StringReader(rule));
                }
                return parser.build();
            } catch (ParseException | IOException e) {
                throw new IllegalArgumentException("failed to build synonyms for [" + name + "]: " + e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------ registrations

    interface FilterBuilder {
        TokenFilterFactory build(IndexSettings indexSettings, Environment env, String name, Settings settings) throws IOException;
    }

    static AnalysisProvider<TokenFilterFactory> tf(FilterBuilder builder) {
        return builder::build;
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> m = new HashMap<>();
        m.put("asciifolding", tf((is, env, name, s) -> {
            boolean preserve = boolSetting(s, "preserve_original", false);
            return filter(name, in -> new ASCIIFoldingFilter(in, preserve));
        }));
        m.put("edge_ngram", tf((is, env, name, s) -> {
            int min = intSetting(s, "min_gram", 1), max = intSetting(s, "max_gram", 2);
            boolean preserve = boolSetting(s, "preserve_original", false);
            if (min < 1 || max < min) throw new IllegalArgumentException("[" + name + "]: invalid min_gram/max_gram");
            return noSynonymFilter(name, in -> new EdgeNGramTokenFilter(in, min, max, preserve));
        }));
        m.put("ngram", tf((is, env, name, s) -> {
            int min = intSetting(s, "min_gram", 1), max = intSetting(s, "max_gram", 2);
            boolean preserve = boolSetting(s, "preserve_original", false);
            checkNgramDiff(is, name, min, max);
            return noSynonymFilter(name, in -> new NGramTokenFilter(in, min, max, preserve));
        }));
        m.put("porter_stem", tf((is, env, name, s) -> filter(name, PorterStemFilter::new)));
        m.put("kstem", tf((is, env, name, s) -> filter(name, KStemFilter::new)));
        m.put("stemmer", tf((is, env, name, s) -> {
            String language = s.get("language", s.get("name", "english"));
            return filter(name, stemmer(language));
        }));
        m.put("snowball", tf((is, env, name, s) -> {
            String language = s.get("language", "English");
            return filter(name, in -> new SnowballFilter(in, language));
        }));
        m.put("keyword_marker", tf((is, env, name, s) -> {
            boolean ignoreCase = boolSetting(s, "ignore_case", false);
            List<String> words = Analysis.getWordList(env, s, "keywords_path", "keywords", true);
            CharArraySet set = new CharArraySet(words == null ? List.of() : words, ignoreCase);
            return filter(name, in -> new SetKeywordMarkerFilter(in, set));
        }));
        m.put("synonym", AnalysisPlugin.requiresAnalysisSettings((is, env, name, s) -> new SynonymFactory(name, false, env, s)));
        m.put("synonym_graph", AnalysisPlugin.requiresAnalysisSettings((is, env, name, s) -> new SynonymFactory(name, true, env, s)));
        m.put("trim", tf((is, env, name, s) -> filter(name, TrimFilter::new)));
        m.put("uppercase", tf((is, env, name, s) -> filter(name, UpperCaseFilter::new)));
        m.put("reverse", tf((is, env, name, s) -> filter(name, ReverseStringFilter::new)));
        m.put("length", tf((is, env, name, s) -> {
            int min = intSetting(s, "min", 0), max = intSetting(s, "max", Integer.MAX_VALUE);
            return filter(name, in -> new LengthFilter(in, min, max));
        }));
        m.put("truncate", tf((is, env, name, s) -> {
            int length = intSetting(s, "length", 10);
            return filter(name, in -> new TruncateTokenFilter(in, length));
        }));
        return m;
    }

    static AnalysisProvider<TokenizerFactory> tok(BiFunction<Settings, IndexSettings, Supplier<Tokenizer>> make) {
        return (is, env, name, s) -> TokenizerFactory.newFactory(name, make.apply(s, is));
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        Map<String, AnalysisProvider<TokenizerFactory>> m = new HashMap<>();
        m.put("whitespace", tok((s, is) -> {
            int max = intSetting(s, "max_token_length", 255);
            return () -> new WhitespaceTokenizer(max);
        }));
        m.put("keyword", tok((s, is) -> {
            int buffer = intSetting(s, "buffer_size", 256);
            return () -> new KeywordTokenizer(buffer);
        }));
        m.put("letter", tok((s, is) -> LetterTokenizer::new));
        m.put("classic", tok((s, is) -> ClassicTokenizer::new));
        m.put("uax_url_email", tok((s, is) -> {
            int max = intSetting(s, "max_token_length", 255);
            return () -> {
                UAX29URLEmailTokenizer t = new UAX29URLEmailTokenizer();
                t.setMaxTokenLength(max);
                return t;
            };
        }));
        m.put("pattern", tok((s, is) -> {
            Pattern pattern = Pattern.compile(s.get("pattern", "\\W+"));
            int group = intSetting(s, "group", -1);
            return () -> new PatternTokenizer(pattern, group);
        }));
        m.put("ngram", (is, env, name, s) -> {
            int min = intSetting(s, "min_gram", 1), max = intSetting(s, "max_gram", 2);
            checkNgramDiff(is, name, min, max);
            java.util.function.IntPredicate chars = tokenChars(s);
            return TokenizerFactory.newFactory(name, () -> new NGramTokenizer(min, max) {
                @Override
                protected boolean isTokenChar(int chr) {
                    return chars.test(chr);
                }
            });
        });
        m.put("edge_ngram", (is, env, name, s) -> {
            int min = intSetting(s, "min_gram", 1), max = intSetting(s, "max_gram", 2);
            java.util.function.IntPredicate chars = tokenChars(s);
            return TokenizerFactory.newFactory(name, () -> new EdgeNGramTokenizer(min, max) {
                @Override
                protected boolean isTokenChar(int chr) {
                    return chars.test(chr);
                }
            });
        });
        return m;
    }

    static CharFilterFactory charFilter(String name, Function<Reader, Reader> fn) {
        return new CharFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Reader create(Reader in) {
                return fn.apply(in);
            }
        };
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        Map<String, AnalysisProvider<CharFilterFactory>> m = new HashMap<>();
        m.put("html_strip", (is, env, name, s) -> {
            List<String> escaped = s.getAsList("escaped_tags", List.of());
            Set<String> tags = escaped.isEmpty() ? null : new HashSet<>(escaped);
            return charFilter(name, in -> tags == null ? new HTMLStripCharFilter(in) : new HTMLStripCharFilter(in, tags));
        });
        m.put("mapping", AnalysisPlugin.requiresAnalysisSettings((is, env, name, s) -> {
            List<String> rules = Analysis.getWordList(env, s, "mappings_path", "mappings", false);
            if (rules == null) throw new IllegalArgumentException("mapping requires either `mappings` or `mappings_path` to be configured");
            NormalizeCharMap.Builder builder = new NormalizeCharMap.Builder();
            for (String rule : rules) {
                int arrow = rule.indexOf("=>");
                if (arrow < 0) throw new IllegalArgumentException("Invalid mapping rule : [" + rule + "]");
                builder.add(unescape(rule.substring(0, arrow).trim()), unescape(rule.substring(arrow + 2).trim()));
            }
            NormalizeCharMap map = builder.build();
            return charFilter(name, in -> new MappingCharFilter(map, in));
        }));
        m.put("pattern_replace", AnalysisPlugin.requiresAnalysisSettings((is, env, name, s) -> {
            String regex = s.get("pattern");
            if (regex == null) throw new IllegalArgumentException("pattern is missing for [" + name + "] char filter of type 'pattern_replace'");
            Pattern pattern = Pattern.compile(regex);
            String replacement = s.get("replacement", "");
            return charFilter(name, in -> new PatternReplaceCharFilter(pattern, replacement, in));
        }));
        return m;
    }

    static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> out.append(n);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    interface LanguageAnalyzer {
        Analyzer make(CharArraySet stopwords, CharArraySet stemExclusion);
    }

    static AnalysisProvider<AnalyzerProvider<? extends Analyzer>> language(CharArraySet defaults, LanguageAnalyzer make) {
        return (is, env, name, s) -> {
            CharArraySet stop = Analysis.parseStopWords(env, s, defaults);
            CharArraySet exclusion = Analysis.parseStemExclusion(s, CharArraySet.EMPTY_SET);
            Analyzer analyzer = make.make(stop, exclusion);
            // Implemented directly (not AbstractIndexAnalyzerProvider) so that the same source
            // compiles against Elasticsearch 8.x and 9.x.
            return new AnalyzerProvider<Analyzer>() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public AnalyzerScope scope() {
                    return AnalyzerScope.INDEX;
                }

                @Override
                public Analyzer get() {
                    return analyzer;
                }
            };
        };
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> m = new HashMap<>();
        m.put("english", language(EnglishAnalyzer.getDefaultStopSet(), EnglishAnalyzer::new));
        m.put("french", language(FrenchAnalyzer.getDefaultStopSet(), FrenchAnalyzer::new));
        m.put("german", language(GermanAnalyzer.getDefaultStopSet(), GermanAnalyzer::new));
        m.put("spanish", language(SpanishAnalyzer.getDefaultStopSet(), SpanishAnalyzer::new));
        m.put("italian", language(ItalianAnalyzer.getDefaultStopSet(), ItalianAnalyzer::new));
        m.put("portuguese", language(PortugueseAnalyzer.getDefaultStopSet(), PortugueseAnalyzer::new));
        m.put("dutch", language(DutchAnalyzer.getDefaultStopSet(), DutchAnalyzer::new));
        m.put("danish", language(DanishAnalyzer.getDefaultStopSet(), DanishAnalyzer::new));
        m.put("swedish", language(SwedishAnalyzer.getDefaultStopSet(), SwedishAnalyzer::new));
        m.put("norwegian", language(NorwegianAnalyzer.getDefaultStopSet(), NorwegianAnalyzer::new));
        m.put("finnish", language(FinnishAnalyzer.getDefaultStopSet(), FinnishAnalyzer::new));
        m.put("russian", language(RussianAnalyzer.getDefaultStopSet(), RussianAnalyzer::new));
        return m;
    }
}
