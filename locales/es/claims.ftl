### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### Reclamos abiertos, en las pantallas Unidades y Cola: placas en las que la estación se detuvo
### mientras las bloqueaba, así que su resultado no está registrado. Volver a poner una de esas
### placas en cualquier ranura la termina; en su lugar, un supervisor puede declararla perdida o
### indicar que se traerá de vuelta.

## La lista

# El encabezado; $count es cuántas placas están en espera.
# unreviewed
claims-title = Esperando { -board(form: "plural") } ({ $count })
# Qué hacer, como lo lee un técnico; $count es cuántas placas están en espera.
# unreviewed
claims-help = La { -station } se detuvo mientras bloqueaba { $count ->
    [one] esta { -board }, así que su resultado no está registrado
   *[other] estas { -board(form: "plural") }, así que sus resultados no están registrados
}. Vuelva a poner la { -board } en cualquier { -slot } y procésela: la { -station } la vuelve a leer y registra { -pass } o { -fail } sin aprovisionarla de nuevo. Si no encuentra una { -board }, llame a un { -supervisor }.
# Qué hacer, como lo lee un supervisor; "declárela perdida" es el botón "Placa perdida".
# unreviewed
claims-help-supervisor = La { -station } se detuvo mientras bloqueaba { $count ->
    [one] esta { -board }, así que su resultado no está registrado
   *[other] estas { -board(form: "plural") }, así que sus resultados no están registrados
}. Vuelva a poner la { -board } en cualquier { -slot } y procésela: la { -station } la vuelve a leer y registra { -pass } o { -fail } sin aprovisionarla de nuevo. Si una { -board } se perdió para siempre, declárela perdida (su { -enrollment } nunca se pone en cola).

## Una placa en espera

# La ranura en la que estaba la placa.
# unreviewed
claims-slot = { -slot } { $slot }
# Cuándo empezó la estación con la placa: "desde 2026-12-03 14:05:09".
# unreviewed
claims-since = desde { $time }
# Un supervisor indicó que la placa se traerá de vuelta: $by es el ID de gafete del supervisor, $time cuándo.
# unreviewed
claims-waiting = se espera su regreso ({ $by }, { $time })
# Nadie ha decidido todavía qué pasa con la placa.
# unreviewed
claims-not-decided = sin decidir

## Lo que decide un supervisor

# El texto de ayuda dentro del campo donde el supervisor escribe por qué se perdió la placa.
# unreviewed
claims-reason-placeholder = por qué se perdió
# El botón (y el verbo de la confirmación) para una placa que nunca volverá.
# unreviewed
claims-void = { -board(form: "title") } perdida
    .title = La { -board } se desechó o se perdió: marcar la { -unit } como falla, anular su certificado, no poner nada en cola
    .confirm = ¿Declarar perdida para siempre la { -board } { $serial } ({ -unit } #{ $unit }, { -slot } { $slot })? Su { -unit } falla, su certificado se revoca y su { -enrollment } nunca se pone en cola.
# Se muestra una vez que la placa se declaró perdida; $serial es el número de serie de la placa.
# unreviewed
claims-void-done = { $serial } declarada perdida
# El botón para una placa que se volverá a poner en una ranura más tarde.
# unreviewed
claims-wait = Se traerá de vuelta
    .title = La { -board } se volverá a poner en una { -slot }: seguir esperándola
# Se muestra una vez que el supervisor indicó que la placa se traerá de vuelta.
# unreviewed
claims-wait-done = { $serial }: en espera de la { -board }
