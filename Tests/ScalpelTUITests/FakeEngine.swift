import Foundation

/// A stand-in engine: a shell script that prints canned protocol streams the way `scalpel importance
/// … --events -` and `scalpel run RECIPE --events -` do, for testing the workbench against real child
/// processes (pipes, process groups, signals) without running models.
///
/// `FAKE_ENGINE_MODE` picks the stream: `normal`, `crash` (a malformed line, a cut-off line, then
/// SIGSEGV), `stubborn` (ignores SIGINT and sleeps), `slow` (sleeps until interrupted).
/// `FAKE_ENGINE_DELAY` is the pause between steps (seconds), `FAKE_ENGINE_LAYERS` the block count.
/// `run` reports the `--backend` it was given in its `hello` (`sh` without one); every command line is
/// written to standard error (the workbench's engine log).
enum FakeEngine {
    static let script = #"""
    #!/bin/sh
    mode="${FAKE_ENGINE_MODE:-normal}"
    delay="${FAKE_ENGINE_DELAY:-0.02}"
    layers="${FAKE_ENGINE_LAYERS:-4}"
    echo "fake engine: $*" >&2
    copy=""
    emit() { echo "$1"; if [ -n "$copy" ]; then echo "$1" >> "$copy"; fi; }
    cmd="$1"; shift
    if [ "$mode" = stubborn ]; then trap '' INT; echo '{"v":1,"t":0,"run":"s","type":"hello","engine":"fake","version":"0","backend":"sh","capabilities":[]}'; while true; do sleep 0.05; done; fi
    if [ "$mode" = slow ]; then echo '{"v":1,"t":0,"run":"s","type":"hello","engine":"fake","version":"0","backend":"sh","capabilities":[]}'; while true; do sleep 0.05; done; fi
    case "$cmd" in
    importance)
      out=""
      while [ $# -gt 0 ]; do if [ "$1" = --out ]; then out="$2"; fi; shift; done
      run=importance
      emit '{"v":1,"t":0,"run":"'$run'","type":"hello","engine":"fake","version":"0","backend":"sh","capabilities":["importance"]}'
      for c in block_influence angular; do
        l=0
        while [ $l -lt $layers ]; do
          n=$(( (l * 37 + 11) % 89 + 10 ))
          if [ $c = angular ]; then n=$(( (l * 53 + 7) % 89 + 10 )); fi
          emit '{"v":1,"t":0,"run":"'$run'","type":"importance","layer":'$l',"criterion":"'$c'","score":0.'$n'34567890123,"token_class":"all"}'
          l=$((l + 1))
          sleep "$delay"
        done
      done
      if [ -n "$out" ]; then echo '{"fake":true}' > "$out"; fi
      emit '{"v":1,"t":9,"run":"'$run'","type":"done","status":"completed","summary":{}}'
      ;;
    run)
      recipe="$1"; shift
      runs=runs
      backend=sh
      while [ $# -gt 0 ]; do
        if [ "$1" = --runs-dir ]; then runs="$2"; fi
        if [ "$1" = --backend ]; then backend="$2"; fi
        shift
      done
      steps=$(sed -n 's/^  steps: //p' "$recipe")
      [ -n "$steps" ] || steps=5
      drop=$(sed -n 's/^  drop: //p' "$recipe")
      [ -n "$drop" ] || drop="[]"
      run="fake-$(date +%H%M%S)-$$"
      mkdir -p "$runs/$run"
      cp "$recipe" "$runs/$run/recipe.yaml"
      copy="$runs/$run/events.jsonl"
      emit '{"v":1,"t":0,"run":"'$run'","type":"hello","engine":"fake","version":"0","backend":"'$backend'","capabilities":["run"]}'
      emit '{"v":1,"t":0.01,"run":"'$run'","type":"stage","name":"prune","index":0,"count":3,"state":"started"}'
      emit '{"v":1,"t":0.02,"run":"'$run'","type":"stage","name":"prune","index":0,"count":3,"state":"completed"}'
      emit '{"v":1,"t":0.03,"run":"'$run'","type":"stage","name":"sft","index":1,"count":3,"state":"started"}'
      if [ "$mode" = crash ]; then
        echo 'this is not an event'
        printf '{"v":1,"t":0.1,"run":"'$run'","type":"lo'
        kill -SEGV $$
      fi
      s=1
      while [ $s -le $steps ]; do
        loss=$(( 300 - s * 7 ))
        emit '{"v":1,"t":'$s'.5,"run":"'$run'","type":"loss","step":'$s',"loss":'$((loss / 100))'.'$((loss % 100 / 10))$((loss % 10))',"lr":0.0002,"tokens_per_s":1234.5}'
        emit '{"v":1,"t":'$s'.5,"run":"'$run'","type":"progress","stage":"sft","done":'$s',"total":'$steps',"unit":"steps","rate":4}'
        emit '{"v":1,"t":'$s'.5,"run":"'$run'","type":"memory","rss":'$((100000000 + s * 1000000))',"peak":'$((100000000 + s * 1000000))',"estimate":{"weights":60000000,"kv_cache":8000000}}'
        if [ $((s % 5)) -eq 0 ]; then
          emit '{"v":1,"t":'$s'.6,"run":"'$run'","type":"metric","name":"loss","value":'$((loss / 100 + 1))'.5,"split":"val","step":'$s'}'
        fi
        sleep "$delay"
        s=$((s + 1))
      done
      emit '{"v":1,"t":'$s',"run":"'$run'","type":"stage","name":"sft","index":1,"count":3,"state":"completed"}'
      emit '{"v":1,"t":'$s'.1,"run":"'$run'","type":"stage","name":"quantize","index":2,"count":3,"state":"started"}'
      emit '{"v":1,"t":'$s'.2,"run":"'$run'","type":"stage","name":"quantize","index":2,"count":3,"state":"completed"}'
      emit '{"v":1,"t":'$s'.3,"run":"'$run'","type":"metric","name":"accuracy","value":0.625,"split":"test","step":null}'
      emit '{"v":1,"t":'$s'.4,"run":"'$run'","type":"log","level":"info","message":"all stages done"}'
      emit '{"v":1,"t":'$s'.5,"run":"'$run'","type":"done","status":"completed","summary":{"dropped":'"$drop"'}}'
      ;;
    *)
      echo "fake engine: unknown command $cmd" >&2
      exit 2
      ;;
    esac
    """#

    /// Writes the script into `directory` (created if needed) and returns its path.
    ///
    /// The file is written through a close-on-exec descriptor: tests run in parallel, and a child another
    /// test starts while a plain descriptor is open would inherit it, so exec'ing the script would fail
    /// with "Text file busy" for as long as that child lives.
    static func install(in directory: URL) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("fake-engine.sh").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(script.utf8))
        try handle.close()
        return path
    }

    /// A fresh scratch folder.
    static func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }
}
