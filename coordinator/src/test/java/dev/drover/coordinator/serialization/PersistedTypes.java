package dev.drover.coordinator.serialization;

import dev.drover.coordinator.CborSerializable;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * Every type the coordinator persists, found by reflection so that a new event or a new entity is
 * covered without anyone remembering to list it: each event-sourced behavior among the coordinator's
 * main classes, its event type (a sealed interface stands for all its permitted records) and its
 * state (what snapshots hold).
 */
final class PersistedTypes {
  private PersistedTypes() {}

  /** The event-sourced behaviors among the coordinator's main classes, by name. */
  static List<Class<?>> entities() {
    Path classes;
    try {
      classes = Path.of(CborSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(f).toString().replace(File.separatorChar, '.').replaceAll("\\.class$", "");
        Class<?> c = Class.forName(name, false, PersistedTypes.class.getClassLoader());
        if (EventSourcedBehavior.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) out.add(c);
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("cannot list the classes under " + classes, e);
    }
    out.sort(Comparator.comparing(Class::getName));
    return out;
  }

  /** Every persisted event and state class, entity by entity: events first, then the state. */
  static List<Class<?>> all() {
    Set<Class<?>> out = new LinkedHashSet<>();
    for (Class<?> entity : entities()) {
      Type[] args = eventSourcedTypeArguments(entity);
      addConcrete((Class<?>) args[1], out);
      addConcrete((Class<?>) args[2], out);
    }
    return List.copyOf(out);
  }

  /** The {@code <Command, Event, State>} an entity class binds on its way up to {@link EventSourcedBehavior}. */
  private static Type[] eventSourcedTypeArguments(Class<?> entity) {
    for (Class<?> c = entity; c != null && c != Object.class; c = c.getSuperclass()) {
      Type t = c.getGenericSuperclass();
      if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
          && EventSourcedBehavior.class.isAssignableFrom(raw) && p.getActualTypeArguments().length == 3
          && p.getActualTypeArguments()[1] instanceof Class<?> && p.getActualTypeArguments()[2] instanceof Class<?>) {
        return p.getActualTypeArguments();
      }
    }
    throw new IllegalStateException("cannot tell the event and state types of " + entity.getName());
  }

  private static void addConcrete(Class<?> type, Set<Class<?>> out) {
    if (type.isSealed()) {
      for (Class<?> sub : type.getPermittedSubclasses()) addConcrete(sub, out);
    } else if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      // An open hierarchy cannot be enumerated: make the event type sealed.
      throw new IllegalStateException(type.getName() + " is persisted but neither sealed nor concrete");
    } else {
      out.add(type);
    }
  }

  /** The file name of a type's golden files: its name inside its package, e.g. {@code JobEntity.JobSubmitted}. */
  static String fileName(Class<?> type) {
    return type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
  }
}
